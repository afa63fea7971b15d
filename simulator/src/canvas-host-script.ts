// The parent side of the Canvas SDK's postMessage protocol, run by the /canvas-host page.
// Protocol (node_modules/@salesforce/canvas-js-sdk/js/client.js and xd.js): the app posts
// JSON text {seq, src: "client", clientVersion, body: {type, config: {client}, ...},
// targetModule: "Canvas"} to its parent. The parent answers a request that has a callback
// with {type: "callback", seq, status, statusText, payload, targetModule: "Canvas"}, and
// delivers events with {type: "event", payload: {name, method: "onData", payload}}.
// Messages the SDK handles: refresh (payload.response = new signed request), repost,
// resize / autogrow (size.height / size.width), ctx, ajax, subscribe, unsubscribe, publish.
// A self-authorizing app whose user has not approved it gets no signed request: the iframe loads
// the canvas URL by GET with _sfdc_canvas_authvalue=user_approval_required (config.approvalUrl),
// and repost({refresh: true}) after the approval brings the signed-request POST.
export const CANVAS_HOST_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('canvas-host-config').textContent);
  var frame = document.getElementById('canvas-frame');
  var form = document.getElementById('canvas-form');
  var input = form.querySelector('input[name="signed_request"]');
  var appOrigin = new URL(config.canvasUrl, location.href).origin;
  var subscriptions = {};
  var host = window.__canvasHost = {
    messages: [], posts: 0, approvalGets: 0, refreshes: 0, reposts: 0, resizes: [],
    lastSignedRequest: input.value
  };

  function ApprovalRequired() { this.message = 'user_approval_required'; }

  function fetchSignedRequest() {
    return fetch(config.signedRequestUrl, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (res.status === 403) { throw new ApprovalRequired(); }
        if (!res.ok) { throw new Error('signed request refresh failed: HTTP ' + res.status); }
        return res.json();
      })
      .then(function (body) { host.lastSignedRequest = body.signedRequest; return body.signedRequest; });
  }

  // Salesforce's GET for a user who has not approved a self-authorizing app.
  function loadApprovalPage() {
    host.approvalGets++;
    frame.src = config.approvalUrl;
  }

  function postSignedRequest(signedRequest) {
    input.value = signedRequest;
    host.posts++;
    form.submit();
  }

  function send(message) {
    message.targetModule = 'Canvas';
    message.parentVersion = config.apiVersion;
    frame.contentWindow.postMessage(JSON.stringify(message), appOrigin);
  }

  function callback(seq, status, statusText, payload, extra) {
    var message = { type: 'callback', seq: seq, status: status, statusText: statusText, payload: payload };
    if (extra) { for (var k in extra) { message[k] = extra[k]; } }
    send(message);
  }

  function decodeContext(signedRequest) {
    var part = signedRequest.split('.')[1];
    var bytes = Uint8Array.from(atob(part), function (c) { return c.charCodeAt(0); });
    return JSON.parse(new TextDecoder().decode(bytes)).context;
  }

  function cssLength(value) {
    if (value === undefined || value === null || value === '') { return null; }
    return /^\d+(\.\d+)?$/.test(String(value)) ? value + 'px' : String(value);
  }

  function resize(size) {
    var height = cssLength(size.height);
    var width = cssLength(size.width);
    if (height) { frame.style.height = height; document.body.setAttribute('data-canvas-height', height); }
    if (width) { frame.style.width = width; document.body.setAttribute('data-canvas-width', width); }
    host.resizes.push({ height: height, width: width });
  }

  function ajax(seq, url, settings) {
    var headers = {};
    var given = settings.headers || {};
    for (var k in given) { headers[k] = given[k]; }
    if (settings.contentType && !headers['Content-Type']) { headers['Content-Type'] = settings.contentType; }
    fetch(url, { method: settings.method || 'GET', headers: headers, body: settings.data || undefined })
      .then(function (res) {
        return res.text().then(function (text) {
          var payload = text;
          try { payload = JSON.parse(text); } catch (ignore) { /* not JSON */ }
          var responseHeaders = '';
          res.headers.forEach(function (value, name) { responseHeaders += name + ': ' + value + '\r\n'; });
          callback(seq, res.status, res.statusText, payload, { responseHeaders: responseHeaders });
        });
      }, function (err) { callback(seq, 0, 'error', String(err)); });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== frame.contentWindow) { return; }
    if (typeof event.data !== 'string' || !/^\{.*\}$/.test(event.data)) { return; }
    var data;
    try { data = JSON.parse(event.data); } catch (ignore) { return; }
    if (data.targetModule && data.targetModule !== 'Canvas') { return; }
    var body = data.body || {};
    host.messages.push({ type: body.type, seq: data.seq, origin: event.origin });
    switch (body.type) {
      case 'refresh':
        host.refreshes++;
        fetchSignedRequest().then(
          function (signedRequest) { callback(data.seq, 200, 'OK', { response: signedRequest }); },
          function (err) {
            if (err instanceof ApprovalRequired) {
              callback(data.seq, 403, 'Forbidden', { response: 'user_approval_required' });
            } else {
              callback(data.seq, 500, 'Internal Server Error', { response: String(err) });
            }
          });
        break;
      case 'repost':
        host.reposts++;
        // Still not approved: Salesforce answers a repost with the approval GET again.
        (body.refresh || !host.lastSignedRequest ? fetchSignedRequest() : Promise.resolve(host.lastSignedRequest))
          .then(postSignedRequest, function (err) { if (err instanceof ApprovalRequired) { loadApprovalPage(); } });
        break;
      case 'resize':
        resize(body.size || {});
        break;
      case 'ctx':
        if (host.lastSignedRequest) {
          callback(data.seq, 200, 'OK', decodeContext(host.lastSignedRequest));
        } else {
          callback(data.seq, 403, 'Forbidden', 'user_approval_required');
        }
        break;
      case 'ajax':
        ajax(data.seq, body.url, body.config || {});
        break;
      case 'subscribe':
        for (var name in (body.subscriptions || {})) { subscriptions[name] = true; }
        break;
      case 'unsubscribe':
        for (var gone in (body.subscriptions || {})) { delete subscriptions[gone]; }
        break;
      case 'publish':
        if (body.event && subscriptions[body.event.name]) {
          send({ type: 'event', payload: { name: body.event.name, method: 'onData', payload: body.event.payload } });
        }
        break;
      default:
        break;
    }
  });

  if (config.approvalUrl) { loadApprovalPage(); } else { postSignedRequest(input.value); }
}());
`
