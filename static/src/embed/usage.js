// The load-time beacon: once the first complete draw is done, the page tells the server how
// long it took (navigation start of this frame to every widget drawn), for the operator's
// Usage page. Fire-and-forget: it never delays, retries or changes anything on the page.
export function reportLoad(url, token, loadMs) {
  if (!url || !token || !(loadMs > 0)) return;
  try {
    fetch(url, {
      method: "POST",
      keepalive: true,
      headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ load_ms: loadMs }),
    }).catch(function () {});
  } catch (e) {
    // an old browser without fetch options: no beacon
  }
}
