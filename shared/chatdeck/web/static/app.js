// Progressive help for the scheduling form: a live count per network, as each counts text (X
// weighs it, Bluesky counts graphemes, Mastodon characters with links at a fixed length), for
// the networks ticked; that a post with a link costs the cohort more on X (#x-cost-link, shown
// when X is ticked and the text has a link); and the browser's time zone as the default. The
// server checks everything again; this only helps.
(function () {
  "use strict";
  var URL_WEIGHT = 23;
  var LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  var URL_RE = /https?:\/\/[^\s<>"]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|co|ly|me|app|dev|ai|uk|[a-z]{2})\b(?:\/[^\s<>"]*)?/gi;
  var PICTO = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

  function isLight(cp) {
    for (var i = 0; i < LIGHT.length; i++) {
      if (cp >= LIGHT[i][0] && cp <= LIGHT[i][1]) return true;
    }
    return false;
  }

  function weightedLength(text) {
    text = text.normalize("NFC");
    var urls = text.match(URL_RE) || [];
    var rest = text.replace(URL_RE, "");
    var total = urls.length * URL_WEIGHT;
    var graphemes = window.Intl && Intl.Segmenter
      ? Array.from(new Intl.Segmenter().segment(rest), function (s) { return s.segment; })
      : Array.from(rest);
    graphemes.forEach(function (g) {
      if (PICTO.test(g)) { total += 2; return; }
      Array.from(g).forEach(function (ch) { total += isLight(ch.codePointAt(0)) ? 1 : 2; });
    });
    return total;
  }

  function graphemes(text) {
    return window.Intl && Intl.Segmenter
      ? Array.from(new Intl.Segmenter().segment(text)).length
      : Array.from(text).length;
  }

  function mastodonLength(text, urlLength) {
    var links = text.match(/https?:\/\/\S+/gi) || [];
    var total = Array.from(text).length;
    links.forEach(function (link) { total += urlLength - Array.from(link).length; });
    return total;
  }

  var NAMES = { x: "X", bluesky: "Bluesky", mastodon: "Mastodon" };

  function lengthOn(item, text) {
    var unit = item.getAttribute("data-unit");
    if (unit === "weighted") return weightedLength(text);
    if (unit === "graphemes") return graphemes(text);
    return mastodonLength(text, parseInt(item.getAttribute("data-url-length"), 10) || 23);
  }

  function liveCount() {
    var text = document.getElementById("text");
    var counts = document.getElementById("text-counts");
    var live = document.getElementById("text-count-live");
    if (!text || !counts) return;
    var items = Array.from(counts.querySelectorAll("li[data-network]"));
    var boxes = Array.from(document.querySelectorAll("input[name=targets]"));
    var pause = null;
    var linkCost = document.getElementById("x-cost-link");
    var update = function () {
      var ticked = {};
      boxes.forEach(function (box) { if (box.checked) ticked[box.getAttribute("data-network")] = true; });
      var said = [];
      items.forEach(function (item) {
        var network = item.getAttribute("data-network");
        var shown = boxes.length === 0 || ticked[network];
        item.hidden = !shown;
        if (!shown) return;
        var max = parseInt(item.getAttribute("data-max"), 10);
        var used = lengthOn(item, text.value);
        var left = max - used;
        var line = NAMES[network] + ": " + (left >= 0
          ? used + " of " + max + " characters (" + left + " left)"
          : used + " of " + max + " characters: " + (-left) + " too many");
        item.querySelector(".count-of").textContent = line;
        item.classList.toggle("over", left < 0);
        said.push(line);
      });
      if (linkCost) {
        var onX = boxes.length === 0 || ticked.x;
        var hasLink = (text.value.normalize("NFC").match(URL_RE) || []).length > 0;
        linkCost.hidden = !(onX && hasLink);
        if (!linkCost.hidden) said.push(linkCost.textContent);
      }
      // Screen readers hear the counts once typing pauses, not at every keystroke.
      if (live) {
        clearTimeout(pause);
        pause = setTimeout(function () { live.textContent = said.join(". "); }, 900);
      }
    };
    text.addEventListener("input", update);
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
    if (live) { clearTimeout(pause); live.textContent = ""; }
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  function defaultZone() {
    var zone = document.getElementById("zone");
    // Only a new post's empty or UTC zone: never a stored post's zone, never a profile's.
    if (!zone || !zone.hasAttribute("data-browser-default")) return;
    var browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (browser && (zone.value === "" || zone.value === "UTC") && !zone.dataset.touched) {
      zone.value = browser;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveCount();
    defaultZone();
    focusErrors();
  });
})();
