/* The door scanner: check-ins go to the check-in API; while the network is down they are
   kept in this phone's localStorage and sent when it is back (the API is idempotent, so a
   check-in sent twice counts once). The camera is used where the browser can read QR codes
   (BarcodeDetector); the typed code always works. No inline script: CSP-safe. */
(function () {
  "use strict";

  function start() {
    var root = document.getElementById("scanner");
    if (!root) { return; }
    var form = document.getElementById("checkin-form");
    var input = form.querySelector("input[name=code]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var result = document.getElementById("scan-result");
    var pending = document.getElementById("scan-pending");
    var key = "learningcity.events.checkins." + root.dataset.event;
    var syncing = false;

    function text(template, values) {
      return template.replace(/%\((\w+)\)s/g, function (_m, name) {
        return values[name] === undefined ? "" : String(values[name]);
      });
    }

    function queue() {
      try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
    }

    function save(items) { window.localStorage.setItem(key, JSON.stringify(items)); }

    function say(message, kind) {
      result.textContent = "";
      var p = document.createElement("p");
      p.className = "message " + kind;
      p.textContent = message;
      result.appendChild(p);
    }

    function showPending() {
      var count = queue().length;
      pending.textContent = count ? text(root.dataset.msgPending, { count: count }) : "";
    }

    function send(item) {
      return window.fetch(root.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({ code: item.code, event_id: root.dataset.event, scanned_at: item.scanned_at })
      });
    }

    function sync() {
      if (syncing) { return Promise.resolve(); }
      var items = queue();
      if (!items.length) { showPending(); return Promise.resolve(); }
      syncing = true;
      var hadBacklog = items.length > 1 || items[0].offline;
      function next() {
        var current = queue();
        if (!current.length) {
          syncing = false;
          showPending();
          return null;
        }
        var item = current[0];
        return send(item).then(function (response) {
          // Not logged in any more, refused, busy or broken: keep the check-in and say why;
          // it is sent once staff log in again or the server answers.
          if (response.status >= 500 || response.status === 401 || response.status === 403 || response.status === 429) {
            return response.json().catch(function () { return {}; }).then(function (body) {
              syncing = false;
              say(text(root.dataset.msgError, { reason: body.message || response.status }), "error");
              showPending();
              return null;
            });
          }
          return response.json().then(function (body) {
            save(queue().slice(1));
            if (response.ok) {
              var template = body.already ? root.dataset.msgAlready : root.dataset.msgOk;
              var message = text(template, { name: body.learner_name });
              if (hadBacklog && !queue().length) { message += " " + root.dataset.msgSynced; }
              say(message, "success");
            } else {
              say(text(root.dataset.msgError, { reason: body.message || response.status }), "error");
            }
            return next();
          });
        }).catch(function () {
          syncing = false;
          var items = queue();
          items.forEach(function (i) { i.offline = true; });
          save(items);
          say(root.dataset.msgQueued, "warning");
          showPending();
        });
      }
      return next();
    }

    function checkIn(code) {
      var items = queue();
      items.push({ code: code, scanned_at: new Date().toISOString(), offline: !navigator.onLine });
      save(items);
      showPending();
      return sync();
    }

    form.addEventListener("submit", function (event) {
      var code = input.value.trim();
      if (!code) { return; }  // the server says what is missing
      event.preventDefault();
      input.value = "";
      checkIn(code);
      input.focus();
    });

    window.addEventListener("online", function () { sync(); });
    window.setInterval(function () { if (queue().length && navigator.onLine) { sync(); } }, 5000);
    sync();

    // The camera, where this browser can read QR codes.
    var camera = root.querySelector(".camera");
    if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      camera.hidden = false;
      var video = document.getElementById("camera-view");
      var last = { code: "", at: 0 };
      document.getElementById("camera-start").addEventListener("click", function () {
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          video.play();
          say(root.dataset.msgCamera, "info");
          window.setInterval(function () {
            detector.detect(video).then(function (codes) {
              if (!codes.length) { return; }
              var code = codes[0].rawValue;
              var now = Date.now();
              if (code === last.code && now - last.at < 5000) { return; }
              last = { code: code, at: now };
              checkIn(code);
            }).catch(function () {});
          }, 400);
        }).catch(function () { camera.hidden = true; });
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
