/* The gift page's one script.
   - Lights up the line being sung as the audio (or the video) plays.
   - Keeps the signed media URLs fresh from media.json, so a page left open keeps playing:
     the download link is renewed before it expires, and a player whose URL has expired reloads
     from where it was.
   - Tells the server the page was opened in a browser (a beacon): bots and link previews fetch
     the HTML without running this script, so they never count as "opened".
   - On the waiting page, reloads when the song is revealed. */
(function () {
  "use strict";

  var HOLD_SECONDS = 1.0; // a line stays lit this long after it ends, unless the next one starts
  var USER_SCROLL_PAUSE_MS = 4000; // after the reader scrolls the lyrics, leave the scroll alone this long
  var MAX_RECOVERIES = 3;

  var waiting = document.getElementById("waiting");
  if (waiting) {
    reloadWhenRevealed(waiting);
    return;
  }
  var page = document.getElementById("gift");
  if (!page) {
    return;
  }

  var players = [document.getElementById("player"), document.getElementById("video")].filter(Boolean);
  var list = document.getElementById("lines");
  var lines = list ? Array.prototype.map.call(list.children, function (element) {
    return { element: element, start: Number(element.dataset.start), end: Number(element.dataset.end) };
  }) : [];
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = -1;
  var lastUserScroll = 0;
  var active = players[0] || null;
  var refreshTimer = null;

  // --- Lyrics in time ------------------------------------------------------------------------

  function lineAt(seconds) {
    var low = 0, high = lines.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (lines[middle].start <= seconds) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found >= 0 && seconds > lines[found].end + HOLD_SECONDS ? -1 : found;
  }

  function highlight(index) {
    if (index === current) {
      return;
    }
    if (current >= 0) {
      lines[current].element.classList.remove("is-current");
      lines[current].element.removeAttribute("aria-current");
    }
    current = index;
    if (index < 0) {
      return;
    }
    var element = lines[index].element;
    element.classList.add("is-current");
    element.setAttribute("aria-current", "true");
    if (Date.now() - lastUserScroll > USER_SCROLL_PAUSE_MS && list.scrollHeight > list.clientHeight) {
      var top = element.offsetTop - list.clientHeight / 3;
      list.scrollTo({ top: Math.max(0, top), behavior: reducedMotion ? "auto" : "smooth" });
    }
  }

  function follow() {
    if (active) {
      highlight(lineAt(active.currentTime));
    }
    if (active && !active.paused) {
      window.requestAnimationFrame(follow);
    }
  }

  if (list) {
    ["wheel", "touchmove", "keydown"].forEach(function (type) {
      list.addEventListener(type, function () { lastUserScroll = Date.now(); }, { passive: true });
    });
  }

  // --- Fresh media URLs ----------------------------------------------------------------------

  function urlFor(player, media) {
    return player.tagName === "VIDEO" ? media.video_url : media.audio_url;
  }

  function fetchMedia() {
    return fetch(page.dataset.mediaUrl, { cache: "no-store", credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        throw new Error("media.json answered " + response.status);
      }
      return response.json();
    }).then(function (media) {
      var download = document.getElementById("download");
      if (download) {
        download.href = media.download_url;
      }
      players.forEach(function (player) {
        if (player.paused && player.currentTime === 0 && urlFor(player, media)) {
          player.src = urlFor(player, media); // not started yet: take the fresh URL now
        }
      });
      scheduleRefresh(media.expires_in);
      return media;
    });
  }

  function scheduleRefresh(seconds) {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () {
      fetchMedia().catch(function () { scheduleRefresh(30); });
    }, Math.max(5, seconds * 0.8) * 1000);
  }

  players.forEach(function (player) {
    var position = 0;
    var recovering = false;
    var recoveries = 0;

    player.addEventListener("play", function () {
      active = player;
      players.forEach(function (other) {
        if (other !== player && !other.paused) {
          other.pause();
        }
      });
      window.requestAnimationFrame(follow);
    });
    player.addEventListener("timeupdate", function () {
      if (!recovering && player.readyState > 0) {
        position = player.currentTime;
      }
      if (player === active) {
        highlight(lineAt(player.currentTime));
      }
    });
    player.addEventListener("playing", function () { recoveries = 0; });
    // An expired URL shows up as an error when the player next fetches: reload from where it was.
    player.addEventListener("error", function () {
      if (recovering || recoveries >= MAX_RECOVERIES) {
        return;
      }
      recovering = true;
      recoveries += 1;
      var resume = !player.paused || player === active;
      fetchMedia().then(function (media) {
        player.addEventListener("loadedmetadata", function () {
          player.currentTime = position;
          recovering = false;
          if (resume) {
            player.play().catch(function () {});
          }
        }, { once: true });
        player.src = urlFor(player, media);
      }).catch(function () { recovering = false; });
    });
  });

  scheduleRefresh(Number(page.dataset.expiresIn) || 900);

  // --- Opened in a browser -------------------------------------------------------------------

  var told = false;

  function tellOpened() {
    if (told || document.visibilityState !== "visible") {
      return;
    }
    told = true;
    var url = page.dataset.openedUrl;
    if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
      fetch(url, { method: "POST", keepalive: true, credentials: "omit" }).catch(function () {});
    }
  }

  tellOpened();
  document.addEventListener("visibilitychange", tellOpened);

  // --- The waiting page ------------------------------------------------------------------------

  function reloadWhenRevealed(element) {
    var revealAt = Date.parse(element.dataset.revealAt || "");
    var delay = isNaN(revealAt) ? Number(element.dataset.refreshSeconds || 0) * 1000 : Math.max(revealAt - Date.now() + 1000, 5000);
    var time = document.getElementById("reveal-time");
    if (time && !isNaN(revealAt)) {
      time.textContent = new Date(revealAt).toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" });
    }
    if (delay > 0 && delay < 6 * 3600 * 1000) {
      window.setTimeout(function () { window.location.reload(); }, delay);
    }
  }
})();
