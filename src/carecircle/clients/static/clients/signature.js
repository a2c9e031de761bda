// Consent pages: the on-screen signature (signature_pad) and the summary's print button.
// Without JavaScript the signature option stays hidden and the form takes an attestation
// or a paper form on file instead.
(function () {
  "use strict";

  function bindSignature(box) {
    if (typeof window.SignaturePad === "undefined") { return; }
    var canvas = box.querySelector("canvas");
    var input = document.getElementById(box.getAttribute("data-input"));
    if (!canvas || !input) { return; }
    var option = document.querySelector("[data-signature-option]");
    var radio = option ? option.querySelector("input[type=radio]") : null;
    var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255, 255, 255)" });

    function resize() {
      // Draw at the screen's density (capped: the PNG must stay small) and keep the strokes.
      var ratio = Math.min(Math.max(window.devicePixelRatio || 1, 1), 2);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) {
        pad.fromData(strokes);
      } else if (input.value.indexOf("data:image/png;base64,") === 0) {
        // A signature brought back after a refused submit is an image, not strokes.
        pad.fromDataURL(input.value, { ratio: 1, width: canvas.offsetWidth, height: canvas.offsetHeight });
      }
    }
    function store() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      if (!pad.isEmpty() && radio) { radio.checked = true; }
    }

    if (option) { option.hidden = false; }
    box.hidden = false;
    // resize() also redraws a signature that came back after a refused submit.
    resize();
    window.addEventListener("resize", resize);
    pad.addEventListener("endStroke", store);
    var clear = box.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () { pad.clear(); input.value = ""; });
    }
  }

  function bindPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function start() {
    var box = document.querySelector("[data-signature]");
    if (box) { bindSignature(box); }
    var print = document.querySelector("[data-print]");
    if (print) { bindPrint(print); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
