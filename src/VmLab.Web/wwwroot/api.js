// The JSON API (see MachineApi.cs). Every call returns parsed JSON or throws an Error whose message is for people:
// the server's one line, or what the page makes of a failure the server could not explain.
async function call(method, path, body, contentType = 'application/json') {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = contentType;
    init.body = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch {
    throw new Error("the vmlab server is not answering: is 'vmlab web' still running? Start it again and reload this page.");
  }
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(inWords(r.status, path, json.error));
  return json;
}

// The server's refusals say what a client did wrong; the page says what the person can do about it.
function inWords(status, path, error) {
  if (status === 404 && path.startsWith('/api/machines/'))
    return 'this machine is gone (the server forgets machines idle for 30 minutes, and all of them when it restarts): choose a scenario to boot a new one';
  if (status === 429) return 'the machine is still working on earlier requests: wait a moment and try again';
  if (status === 413) return path.startsWith('/api/programs') ? 'that file is too big for a program (at most 1 MiB): build it with vmlab sim cc' : 'that request is too big';
  if (status === 502 && error) return error;      // your kernel's process died: what it did, and that the machine is gone
  if (status >= 500) return `the server failed (${error || 'HTTP ' + status}): reload the page; if it happens again, restart vmlab web`;
  return error || `the server refused (HTTP ${status})`;
}

export const api = {
  scenarios: () => call('GET', '/api/scenarios'),
  lesson: (name) => call('GET', `/api/scenarios/${encodeURIComponent(name)}/lesson`),
  create: (scenario, options) => call('POST', '/api/machines', { scenario, options }),
  upload: (name, bytes) => call('POST', `/api/programs?name=${encodeURIComponent(name)}`, bytes, 'application/octet-stream'),
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
  quiz: (kind, seed) => call('GET', `/api/quiz?kind=${encodeURIComponent(kind)}&seed=${seed}`),
  quizCheck: (kind, seed, answers) => call('POST', '/api/quiz/check', { kind, seed, answers }),
};
