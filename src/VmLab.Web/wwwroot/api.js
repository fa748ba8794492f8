// The JSON API (see MachineApi.cs). Every call returns parsed JSON or throws an Error with the server's one line.
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const json = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(json.error || `HTTP ${r.status}`);
  return json;
}

export const api = {
  scenarios: () => call('GET', '/api/scenarios'),
  create: (scenario, options) => call('POST', '/api/machines', { scenario, options }),
  step: (id, body) => call('POST', `/api/machines/${id}/step`, body),
  seek: (id, step) => call('POST', `/api/machines/${id}/seek`, { step }),
  reset: (id) => call('POST', `/api/machines/${id}/reset`),
  state: (id) => call('GET', `/api/machines/${id}?events=300`),
  walk: (id, pid, va, access) =>
    call('GET', `/api/machines/${id}/walk?pid=${pid}&va=${encodeURIComponent(va)}&access=${access}`),
  tlb: (id, pid) => call('GET', `/api/machines/${id}/tlb?pid=${pid}`),
  checkMapping: (pairs) => call('POST', '/api/exercises/check-mapping', { pairs }),
  mapCalls: (pairs, perm) => call('POST', '/api/exercises/map-calls', { pairs, perm }),
  pages: (va, size, aligned) => call('POST', '/api/exercises/pages', { va, size, aligned }),
  maze: () => call('GET', '/api/maze'),
  mazeWalk: (start, bits) => call('GET', `/api/maze/walk?start=${encodeURIComponent(start)}&bits=${bits}`),
};
