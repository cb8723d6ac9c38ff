// The review page's controls: decisions, edits, merge and split, quotes, left-out sentences.
// Served from /review/static (the page runs no inline script). Every change is one request based on the
// version shown (If-Match) with the session's CSRF token; when the map moved on meanwhile (another tab, another
// reviewer) nothing is overwritten: the page says so and offers to apply the change to the latest version.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="cjgen-review"]');
  if (!meta) { return; }
  var mapId = meta.getAttribute("data-map");
  var version = Number(meta.getAttribute("data-version"));
  var csrf = meta.getAttribute("data-csrf");
  var api = meta.getAttribute("data-api");
  var statusBox = document.getElementById("review-status");
  var mergeButton = document.getElementById("merge-selected");
  var GROUPS = meta.getAttribute("data-groups").split(" ");
  var EDITABLE = meta.getAttribute("data-editable").split(" ");
  var WORDING = ["statement", "text", "name", "what"];
  // Fields a reviewer may fill in though the map leaves them empty (an opportunity's owner and metric).
  var OPTIONAL = ["owner", "metric"];
  var ATTACHABLE = ["pain_points", "delights", "thoughts", "actions", "touchpoints", "opportunities"];
  var journey = null;
  var index = {};
  var selected = [];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function button(label, onClick, attrs) {
    var b = el("button", Object.assign({ type: "button", text: label }, attrs || {}));
    b.addEventListener("click", onClick);
    return b;
  }

  function say(text, kind, extra) {
    statusBox.textContent = text;
    statusBox.className = "review-status" + (kind ? " " + kind : "");
    (extra || []).forEach(function (node) { statusBox.appendChild(document.createTextNode(" ")); statusBox.appendChild(node); });
  }

  function detail(answer) {
    if (answer && Array.isArray(answer.detail)) {
      return answer.detail.map(function (d) { return (d.loc || []).slice(1).join(".") + ": " + d.msg; }).join("; ");
    }
    return answer && answer.detail ? String(answer.detail) : "unknown error";
  }

  function label(text) { return text.length > 70 ? text.slice(0, 67) + "…" : text; }

  function wordingOf(item) {
    var field = WORDING.filter(function (f) { return typeof item[f] === "string"; })[0];
    return field ? item[field] : (item.note || item.id);
  }

  // One change: sent once, based on `based` (the version shown); on 409 the reviewer decides what happens.
  function send(path, body, what, focusId, based) {
    var on = based || version;
    say(what + "…", "busy");
    return fetch(api + "/maps/" + encodeURIComponent(mapId) + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "If-Match": '"' + on + '"', "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok) {
        if (focusId) { sessionStorage.setItem("cjgen-focus", focusId); }
        say(what + ": saved as version " + (on + 1) + ".", "ok");
        window.location.reload();
        return null;
      }
      return response.json().then(function (answer) {
        if (response.status === 409) {
          var latest = Number((response.headers.get("ETag") || "").replace(/\D/g, ""));
          say("Not saved: the map is now at version " + latest + " (changed in another tab or by another reviewer) " +
            "and you were looking at version " + on + ". Your change is kept here.", "conflict", [
            button("Apply my change to version " + latest, function () { send(path, body, what, focusId, latest); },
              { "class": "apply-latest" }),
            button("Reload to see version " + latest, function () { window.location.reload(); })
          ]);
          return null;
        }
        say(what + " was not saved: " + detail(answer), "error");
        return null;
      });
    }).catch(function (error) { say(what + " was not saved: " + error, "error"); });
  }

  function itemPath(id) { return "/items/" + encodeURIComponent(id); }

  function decide(id, decision, note) {
    send(itemPath(id) + "/review", withNote({ decision: decision }, note), decision + " " + id, id);
  }

  function fieldControl(name, item) {
    var id = "edit-" + name + "-" + item.id;
    if (WORDING.indexOf(name) >= 0 || name === "description") {
      return [el("label", { "for": id, text: name }), el("textarea", { id: id, name: name, rows: "3", text: item[name] })];
    }
    if (OPTIONAL.indexOf(name) >= 0) {
      return [el("label", { "for": id, text: name }), el("input", { id: id, name: name, type: "text", value: item[name] || "" })];
    }
    if (name === "goals") {
      return [el("label", { "for": id, text: "goals (one a line)" }),
        el("textarea", { id: id, name: name, rows: "4", text: item.goals.join("\n") })];
    }
    if (name === "severity" || name === "score") {
      var values = name === "severity" ? [1, 2, 3] : [-2, -1, 0, 1, 2];
      var select = el("select", { id: id, name: name }, values.map(function (v) {
        return el("option", { value: String(v), text: String(v) });
      }));
      select.value = String(item[name]);
      return [el("label", { "for": id, text: name }), select];
    }
    if (name === "stage_id") {
      var stages = el("select", { id: id, name: name }, journey.stages.map(function (s) {
        return el("option", { value: s.id, text: s.name });
      }));
      stages.value = item.stage_id;
      return [el("label", { "for": id, text: "stage" }), stages];
    }
    var boxes = journey.personas.map(function (p) {
      var box = el("input", { type: "checkbox", name: "persona_ids", value: p.id, id: id + "-" + p.id });
      box.checked = item.persona_ids.indexOf(p.id) >= 0;
      return el("span", { "class": "persona-box" }, [box, el("label", { "for": id + "-" + p.id, text: p.name })]);
    });
    return [el("fieldset", {}, [el("legend", { text: "personas" })].concat(boxes))];
  }

  // A form under an item: Escape or Cancel closes it and gives the keyboard back to the button that opened it.
  function openForm(host, opener, kind, title, fill, submitLabel, onSubmit) {
    var form = el("form", { "class": kind, "aria-label": title });
    fill(form);
    function close() { form.remove(); opener.focus(); }
    form.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });
    form.addEventListener("submit", function (event) { event.preventDefault(); onSubmit(form); });
    form.appendChild(el("div", { "class": "form-buttons" }, [
      el("button", { type: "submit", text: submitLabel }),
      button("Cancel", close)
    ]));
    host.appendChild(form);
    var first = form.querySelector("textarea, select, input");
    if (first) { first.focus(); }
  }

  function withNote(body, note) {
    if (note.value) { body.note = note.value; }
    return body;
  }

  function checked(form, selector) {
    return Array.prototype.filter.call(form.querySelectorAll(selector), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function editForm(item, note, host, opener) {
    var editable = EDITABLE.filter(function (f) {
      return f in item && (item[f] !== null || OPTIONAL.indexOf(f) >= 0);
    });
    openForm(host, opener, "edit-form", "Edit " + item.id, function (form) {
      editable.forEach(function (f) { fieldControl(f, item).forEach(function (n) { form.appendChild(n); }); });
    }, "Save edit", function (form) {
      var edits = {};
      editable.forEach(function (f) {
        if (f === "persona_ids") {
          var ids = checked(form, 'input[name="persona_ids"]');
          if (ids.join(",") !== item.persona_ids.join(",")) { edits[f] = ids; }
          return;
        }
        if (f === "goals") {
          var goals = form.elements[f].value.split("\n").map(function (g) { return g.trim(); })
            .filter(function (g) { return g; });
          if (goals.join("\n") !== item.goals.join("\n")) { edits[f] = goals; }
          return;
        }
        var value = form.elements[f].value;
        if (f === "severity" || f === "score") { value = Number(value); }
        if (OPTIONAL.indexOf(f) >= 0) { value = value.trim() || null; }
        if (value !== item[f]) { edits[f] = value; }
      });
      if (!Object.keys(edits).length) { say("Nothing changed in " + item.id + ".", "error"); return; }
      send(itemPath(item.id) + "/review", withNote({ decision: "edit", edits: edits }, note), "edit " + item.id, item.id);
    });
  }

  function splitForm(item, note, host, opener) {
    openForm(host, opener, "split-form", "Split " + item.id, function (form) {
      var quotes = document.querySelectorAll('[data-item="' + CSS.escape(item.id) + '"] li[data-quote]');
      Array.prototype.forEach.call(quotes, function (li, n) {
        var id = "split-" + item.id + "-" + n;
        form.appendChild(el("span", { "class": "split-quote" }, [
          el("input", { type: "checkbox", id: id, value: li.getAttribute("data-quote") }),
          el("label", { "for": id, text: label(li.querySelector("blockquote").textContent.trim()) })
        ]));
      });
      form.appendChild(el("label", { "for": "split-text-" + item.id, text: "wording of the new item" }));
      form.appendChild(el("input", { id: "split-text-" + item.id, name: "text", type: "text" }));
    }, "Split off the chosen quotes", function (form) {
      var body = { quotes: checked(form, "input[type=checkbox]") };
      if (form.elements.text.value) { body.text = form.elements.text.value; }
      send(itemPath(item.id) + "/split", withNote(body, note), "split " + item.id, item.id);
    });
  }

  function itemOptions(exclude, groups) {
    var options = [el("option", { value: "", text: "choose an item…" })];
    groups.forEach(function (group) {
      journey[group].forEach(function (item) {
        if (item.id !== exclude) { options.push(el("option", { value: item.id, text: item.id + ": " + label(wordingOf(item)) })); }
      });
    });
    return options;
  }

  function quoteControls(item, group, li) {
    var key = li.getAttribute("data-quote");
    var id = "move-" + item.id + "-" + key;
    var target = el("select", { id: id }, itemOptions(item.id, [group]));
    var bar = el("div", { "class": "quote-controls", role: "group", "aria-label": "This quote" }, [
      el("label", { "for": id, text: "Move to" }), target,
      button("Move quote", function () {
        if (!target.value) { say("Choose the item to move the quote to.", "error"); target.focus(); return; }
        send(itemPath(item.id) + "/quotes/" + key + "/move", { to_item_id: target.value }, "move a quote of " + item.id, target.value);
      }),
      button("Remove quote", function () {
        send(itemPath(item.id) + "/quotes/" + key + "/remove", {}, "remove a quote from " + item.id, item.id);
      })
    ]);
    li.appendChild(bar);
  }

  function itemControls(article) {
    var id = article.getAttribute("data-item");
    var found = index[id];
    if (!found) { return; }
    var item = found.item;
    var note = el("input", { type: "text", "class": "note", placeholder: "note (optional)", "aria-label": "Note on " + id });
    var select = el("input", { type: "checkbox", id: "select-" + id, "class": "select-merge" });
    select.addEventListener("change", function () {
      selected = selected.filter(function (s) { return s !== id; });
      if (select.checked) { selected.push(id); }
      mergeButton.disabled = selected.length < 2;
    });
    var host = el("div", { "class": "review-controls", role: "group", "aria-label": "Review " + id });
    var edit = button("Edit…", function () { editForm(item, note, host, edit); }, { "class": "act-edit" });
    var buttons = [
      button("Accept", function () { decide(id, "accept", note); }, { "class": "act-accept" }),
      button("Reject", function () { decide(id, "reject", note); }, { "class": "act-reject" }),
      edit
    ];
    if (item.evidence && item.evidence.length > 1) {
      var split = button("Split…", function () { splitForm(item, note, host, split); }, { "class": "act-split" });
      buttons.push(split);
    }
    buttons.forEach(function (b) { host.appendChild(b); });
    host.appendChild(note);
    host.appendChild(el("span", { "class": "merge-pick" }, [select, el("label", { "for": "select-" + id, text: "select to merge" })]));
    var foot = article.querySelector(".item-foot") || article;
    foot.appendChild(host);
    // A contradiction without quotes of its own shows its sides' quotes: those are not the item's to move.
    if (item.evidence && item.evidence.length) {
      Array.prototype.forEach.call(article.querySelectorAll("li[data-quote]"), function (li) {
        quoteControls(item, found.group, li);
      });
    }
  }

  function leftOutControls(li) {
    var sentence = li.getAttribute("data-sentence");
    var target = el("select", { id: "attach-" + sentence }, itemOptions(null, ATTACHABLE));
    var stage = el("select", { id: "stage-" + sentence }, journey.stages.map(function (s) {
      return el("option", { value: s.id, text: s.name });
    }));
    li.appendChild(el("div", { "class": "left-out-controls", role: "group", "aria-label": "Use this sentence" }, [
      el("label", { "for": "attach-" + sentence, text: "Attach to" }), target,
      button("Attach as evidence", function () {
        if (!target.value) { say("Choose the item to attach the sentence to.", "error"); target.focus(); return; }
        send("/left-out/" + sentence + "/attach", { item_id: target.value }, "attach a sentence to " + target.value, target.value);
      }, { "class": "act-attach" }),
      el("label", { "for": "stage-" + sentence, text: "or start a new item in" }), stage,
      button("New item", function () {
        send("/left-out/" + sentence + "/item", { stage_id: stage.value }, "new item from a sentence", null);
      }, { "class": "act-new-item" })
    ]));
  }

  mergeButton.addEventListener("click", function () {
    send("/merge", { item_ids: selected }, "merge " + selected.join(", "), selected[0]);
  });

  fetch(api + "/maps/" + encodeURIComponent(mapId) + "?version=" + version, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("the map could not be read (" + response.status + ")"); }
      return response.json();
    })
    .then(function (data) {
      journey = data;
      GROUPS.forEach(function (group) {
        (journey[group] || []).forEach(function (item) { index[item.id] = { group: group, item: item }; });
      });
      Array.prototype.forEach.call(document.querySelectorAll("article[data-item]"), itemControls);
      Array.prototype.forEach.call(document.querySelectorAll("li[data-sentence]"), leftOutControls);
      document.body.classList.add("reviewing");
      var focusId = sessionStorage.getItem("cjgen-focus");
      sessionStorage.removeItem("cjgen-focus");
      var again = focusId && document.querySelector('[data-item="' + CSS.escape(focusId) + '"] .review-controls button');
      if (again) { again.focus(); }
    })
    .catch(function (error) { say("Review controls are off: " + error.message, "error"); });
})();
