// Inbox: a "select all on this page" button, shown only when JavaScript runs (the page works
// without it: each row has its own checkbox).
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (button) {
    var form = document.getElementById(button.getAttribute("data-select-all"));
    if (!form) { return; }
    button.parentElement.hidden = false;
    button.addEventListener("click", function () {
      var boxes = form.querySelectorAll('input[type="checkbox"][name="referral"]');
      var all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !all; });
    });
  });
})();
