// What every editor page shares: sending a change to the server with the page's token.
"use strict";

const leafpress = {
  token: () => document.querySelector('meta[name="leafpress-token"]').content,

  // POST `body` (an object, sent as JSON, or a FormData) to `url`; return the reply's
  // JSON (or text), with its status. A refusal or a conflict is a reply, not an error.
  async send(url, body) {
    const json = !(body instanceof FormData);
    const response = await fetch(url, {
      method: "POST",
      headers: {"X-Leafpress-Token": leafpress.token(),
                ...(json ? {"Content-Type": "application/json"} : {})},
      body: json ? JSON.stringify(body) : body,
    });
    const type = response.headers.get("Content-Type") || "";
    const reply = type.startsWith("application/json") ? await response.json()
                                                       : await response.text();
    return {status: response.status, ok: response.ok, reply};
  },
};
