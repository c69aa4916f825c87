/* jejak tracker: page views and your own touchpoints, sent to a jejak collector.
   Snippet:
     <script>window.jejak = {key: "WRITE_KEY", endpoint: "https://your-jejak-host"};</script>
     <script async src="https://your-jejak-host/t.js"></script>
   Then: jejak.track("signup_click", {plan: "pro"}); jejak.identify("customer-42");
   The anonymous id lives in this site's own storage; UTM parameters of the landing
   page become the touchpoints' source, medium and campaign; events wait in a queue
   (kept across pages) and are sent in batches, again later when sending fails.
   A batch stays under 60 KB (browsers refuse larger requests meant to outlive the page);
   a batch the collector refuses whole is halved until the event it refuses is alone,
   and only that one is dropped; leaving the page sends what waits with sendBeacon. */
(function (w, d) {
  "use strict";
  var queued = w.jejak && w.jejak._queue ? w.jejak._queue : [];
  var cfg = w.jejak || {};
  var script = d.currentScript;
  var endpoint = (cfg.endpoint || (script ? new URL(script.src).origin : "")).replace(/\/$/, "");
  var QUEUE = "jejak_queue", AID = "jejak_aid", CID = "jejak_cid", UTM = "jejak_utm";
  var sending = false, wait = 1000;
  var MAX_BYTES = 60000, MAX_EVENTS = 100, limit = MAX_EVENTS;
  // browsers hold at most 64 KB of requests meant to outlive the page (keepalive), and
  // free a sent one's bytes some time after its answer: a batch sent at once after
  // another may be refused. Only smaller ones are sent so, and a refused one is sent
  // again at once without it (its events stay queued until a 202 either way).
  var KEEPALIVE_BYTES = 30000, plain = false;
  var encoder = new TextEncoder();

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }
  function load(key, fallback) {
    try { var v = w.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(key, value) {
    try { w.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  var anonymousId = load(AID, null);
  if (!anonymousId) { anonymousId = uuid(); save(AID, anonymousId); }

  var params = new URLSearchParams(w.location.search);
  if (params.get("utm_source") || params.get("utm_medium") || params.get("utm_campaign")) {
    save(UTM, {
      source: params.get("utm_source"),
      medium: params.get("utm_medium"),
      campaign: params.get("utm_campaign"),
      channel: params.get("utm_channel") || params.get("utm_medium")
    });
  }

  function track(event, properties) {
    var utm = load(UTM, {}) || {};
    var item = {
      event_id: uuid(),
      anonymous_id: anonymousId,
      customer_id: load(CID, null),
      ts: new Date().toISOString(),
      event: event,
      channel: utm.channel || null,
      source: utm.source || null,
      medium: utm.medium || null,
      campaign: utm.campaign || null,
      properties: properties || {}
    };
    var queue = load(QUEUE, []);
    queue.push(item);
    save(QUEUE, queue.slice(-1000));
    schedule(200);
  }

  // a body small enough to go as a request that outlives the page
  function small(text) { return encoder.encode(text).length <= KEEPALIVE_BYTES; }
  function send(path, text, keepalive) {
    return fetch(endpoint + path, {
      method: "POST",
      keepalive: keepalive,
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + cfg.key },
      body: text
    });
  }

  // the first queued events, at most `most` of them and (but for a lone one) MAX_BYTES
  function take(queue, most) {
    var batch = [], bytes = 2;
    for (var i = 0; i < queue.length && batch.length < most; i++) {
      var size = encoder.encode(JSON.stringify(queue[i])).length + 1;
      if (batch.length && bytes + size > MAX_BYTES) break;
      batch.push(queue[i]);
      bytes += size;
    }
    return batch;
  }
  function drop(batch) {
    var rest = load(QUEUE, []).filter(function (e) {
      return !batch.some(function (b) { return b.event_id === e.event_id; });
    });
    save(QUEUE, rest);
    return rest;
  }

  function flush() {
    if (sending) return;
    var queue = load(QUEUE, []);
    if (!queue.length) return;
    var batch = take(queue, limit), text = JSON.stringify(batch);
    var kept = !plain && small(text);
    sending = true;
    send("/v1/events", text, kept).then(function (response) {
      sending = false;
      plain = false;
      if (response.status === 202) {  // stored, or refused event by event: all leave
        wait = 1000;  // the collector answers: the back-off starts again
        limit = MAX_EVENTS;
        if (drop(batch).length) schedule(0);
      } else if (response.status === 400 || response.status === 413 || response.status === 422) {
        // refused whole: halve the batch until the refused event is alone, then drop it
        wait = 1000;
        if (batch.length > 1) {
          limit = Math.ceil(batch.length / 2);
        } else {
          limit = MAX_EVENTS;
          drop(batch);
        }
        schedule(0);
      } else {  // told how long to wait (429: over the rate, or busy): no sooner, at most an hour
        var told = parseInt(response.headers.get("Retry-After"), 10);
        if (told > 0) schedule(Math.min(told, 3600) * 1000); else retry();
      }
    }).catch(function () {
      sending = false;
      if (kept) { plain = true; schedule(0); } else retry();  // kept: the browser may refuse
    });
  }
  // leaving the page: what waits goes with sendBeacon (it outlives the page); the queue
  // keeps it until a collector's answer is read, and a second sending is stored once.
  // A beacon the browser refuses (its 64 KB for requests that outlive the page still
  // held by earlier ones) goes as a request instead: if the page dies first, the next
  // page sends it.
  function leave() {
    var batch = take(load(QUEUE, []), MAX_EVENTS);
    if (!batch.length || !w.navigator.sendBeacon) return flush();
    var url = endpoint + "/v1/events?key=" + encodeURIComponent(cfg.key);
    var sent = w.navigator.sendBeacon(url, new Blob([JSON.stringify(batch)], { type: "text/plain" }));
    if (!sent) flush();
  }
  function retry() { wait = Math.min(wait * 2, 60000); schedule(wait); }
  var timer = null;
  function schedule(delay) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; flush(); }, delay);
  }
  w.addEventListener("online", function () { wait = 1000; schedule(0); });
  w.addEventListener("pagehide", leave);

  function identify(customerId) {
    save(CID, String(customerId));
    var text = JSON.stringify({ anonymous_id: anonymousId, customer_id: String(customerId) });
    send("/v1/identify", text, small(text))
      .catch(function () { /* the events carry both ids anyway */ });
  }

  w.jejak = { key: cfg.key, endpoint: endpoint, track: track, identify: identify,
              flush: flush, anonymousId: function () { return anonymousId; } };
  for (var i = 0; i < queued.length; i++) track(queued[i][0], queued[i][1]);
  track("page_view", { page: w.location.pathname, title: d.title, referrer: d.referrer || null });
})(window, document);
