// Find help: "use my location" and the map of results. The page works without this file.
(function () {
  "use strict";

  function locateButton() {
    var holder = document.querySelector("[data-locate]");
    var near = document.getElementById("id_near");
    if (!holder || !near || !navigator.geolocation) { return; }
    var status = holder.querySelector(".locate-status");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = holder.getAttribute("data-locate");
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) { status.textContent = holder.getAttribute("data-locating"); }
      navigator.geolocation.getCurrentPosition(function (position) {
        near.value = position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
        button.disabled = false;
        if (status) { status.textContent = ""; }
      }, function () {
        button.disabled = false;
        if (status) { status.textContent = holder.getAttribute("data-locate-error"); }
      }, { timeout: 15000, maximumAge: 300000 });
    });
    holder.insertBefore(button, holder.firstChild);
  }

  // Leaflet (about 160 KB) is fetched only when there is a map to draw: at once on a wide
  // screen, on request on a phone, where data can be dear.
  function loadLeaflet(element, done) {
    if (typeof L !== "undefined") { done(); return; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = element.getAttribute("data-leaflet-css");
    css.onload = function () {
      var script = document.createElement("script");
      script.src = element.getAttribute("data-leaflet-js");
      script.onload = done;
      document.head.appendChild(script);
    };
    document.head.appendChild(css);
  }

  function drawMap(element, items) {
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    var tiles = element.getAttribute("data-tile-url");
    // No tile server configured: markers on a blank background, no request to anyone.
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: element.getAttribute("data-tile-attribution") || ""
      }).addTo(map);
    }
    var points = [];
    Array.prototype.forEach.call(items, function (item) {
      var point = [parseFloat(item.getAttribute("data-lat")), parseFloat(item.getAttribute("data-lng"))];
      if (isNaN(point[0]) || isNaN(point[1])) { return; }
      var name = item.getAttribute("data-name");
      var link = document.createElement("a");
      link.href = item.getAttribute("data-url");
      link.textContent = name;
      L.marker(point, { title: name, alt: name }).addTo(map).bindPopup(link);
      points.push(point);
    });
    var nearLat = parseFloat(element.getAttribute("data-near-lat"));
    var nearLng = parseFloat(element.getAttribute("data-near-lng"));
    if (!isNaN(nearLat) && !isNaN(nearLng)) {
      L.circleMarker([nearLat, nearLng], { radius: 7, color: "#7a1010", weight: 3 })
        .addTo(map).bindTooltip(element.getAttribute("data-near-label"));
      points.push([nearLat, nearLng]);
    }
    if (points.length) {
      map.fitBounds(points, { paddingTopLeft: [24, 48], paddingBottomRight: [24, 16], maxZoom: 15 });
    }
  }

  function resultsMap() {
    var element = document.getElementById("results-map");
    if (!element) { return; }
    var items = document.querySelectorAll(".result[data-lat][data-lng]");
    if (!items.length) { return; }
    var show = function () { loadLeaflet(element, function () { drawMap(element, items); }); };
    if (window.matchMedia("(min-width: 48em)").matches) { show(); return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary show-map";
    button.textContent = element.getAttribute("data-show-map");
    button.addEventListener("click", function () { button.remove(); show(); });
    element.parentNode.insertBefore(button, element);
  }

  locateButton();
  resultsMap();
})();
