// A small viewer for /openapi.json: the API documentation at /docs without loading
// Swagger UI from a CDN (the workbench never fetches anything from the internet).
"use strict";

(async () => {
  const res = await fetch("/openapi.json");
  const spec = await res.json();
  const box = document.getElementById("endpoints");
  const intro = document.getElementById("intro");
  const title = document.createElement("p");
  title.textContent = `${spec.info.title} ${spec.info.version} — ${spec.info.description || ""}`;
  intro.before(title);

  // resolve "$ref" pointers into components/schemas, then print the schema as JSON
  const resolve = (schema, depth = 0) => {
    if (!schema || typeof schema !== "object" || depth > 6) return schema;
    if (schema.$ref) {
      const name = schema.$ref.split("/").pop();
      return resolve(spec.components.schemas[name], depth + 1);
    }
    if (Array.isArray(schema)) return schema.map((s) => resolve(s, depth + 1));
    const out = {};
    for (const [k, v] of Object.entries(schema)) out[k] = resolve(v, depth + 1);
    return out;
  };
  const block = (label, obj) => {
    const d = document.createElement("details");
    const s = document.createElement("summary");
    s.textContent = label;
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(obj, null, 2);
    d.append(s, pre);
    return d;
  };

  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const card = document.createElement("section");
      card.className = "endpoint";
      const h = document.createElement("h2");
      const m = document.createElement("span");
      m.className = `method ${method}`;
      m.textContent = method.toUpperCase();
      h.append(m, document.createTextNode(path));
      const p = document.createElement("p");
      p.textContent = op.summary || "";
      card.append(h, p);
      const body = op.requestBody && op.requestBody.content["application/json"];
      if (body) card.appendChild(block("request body", resolve(body.schema)));
      for (const [code, r] of Object.entries(op.responses || {})) {
        const c = r.content && r.content["application/json"];
        card.appendChild(block(`${code} ${r.description || ""}`, c ? resolve(c.schema) : {}));
      }
      box.appendChild(card);
    }
  }
})();
