// Sign out of an unattended person-level page: the server enforces the same limit.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="idle-timeout"]');
  if (!meta) { return; }
  var limit = parseInt(meta.content, 10) * 1000;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var form = document.querySelector("form.signout");
      if (form) { form.submit(); } else { window.location.reload(); }
    }, limit);
  }
  ["click", "keydown", "touchstart", "scroll"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
