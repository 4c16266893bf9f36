"""leafpress: multilingual patient leaflets from YAML, gettext catalogs and WeasyPrint.

One subpackage per stage; imports run one way, from the command line down to the core
(tests/test_structure_of_code.py keeps it so):

- ``cli``: parses the command line and dispatches;
- ``preview``: ``build.py serve``;
- ``editor``: the browser editor that ``serve`` offers at ``/edit/``;
- ``governance``: approvals, earlier versions, review packs, reports;
- ``build``: options, plan, workers, caches, manifest, the pipeline;
- ``publishing``: the files of ``dist/`` and the catalogue page;
- ``rendering``: HTML, PDF, structure tree, fonts, coverage, writing systems;
- ``gates``: the quality gates;
- ``translation``: catalogs, the POT, update, lineage;
- ``content``: YAML, the leaflet schema, leaflets, markup, history, brand;
- ``core``: project folders, errors, digests, the memo, typefaces.
"""
