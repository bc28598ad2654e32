// maillint report: optional enhancements.  The filters work without this script
// (CSS reads the checkboxes and radio buttons); with it, a message is hidden
// exactly when none of its findings passes both filters, the bar counts the
// messages shown, and the index sorts by any column.  The script reads data
// only from the JSON island and writes only text and the hidden attribute.
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");
  var island = doc.getElementById("maillint-data");
  if (!island) {
    return;
  }
  var data = JSON.parse(island.textContent);
  var byNumber = {};
  data.messages.forEach(function (m) {
    byNumber[m.n] = m;
  });
  var severities = ["error", "warning", "info"];
  var table = doc.getElementById("index-table");

  function rows() {
    return table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  }

  function checked(id) {
    var input = doc.getElementById(id);
    return Boolean(input && input.checked);
  }

  function visible(message, shown, code) {
    if (message.pairs.length === 0) {
      return shown.clean && code === "";
    }
    return message.pairs.some(function (pair) {
      var cut = pair.indexOf(" ");
      return shown[pair.slice(0, cut)] && (code === "" || code === pair.slice(cut + 1));
    });
  }

  function apply() {
    var shown = { clean: checked("show-clean") };
    severities.forEach(function (s) {
      shown[s] = checked("show-" + s);
    });
    var radio = doc.querySelector('input[name="code"]:checked');
    var code = radio ? radio.value : "";
    var count = 0;
    data.messages.forEach(function (m) {
      var on = visible(m, shown, code);
      count += on ? 1 : 0;
      var section = doc.getElementById("m" + m.n);
      if (section) {
        section.hidden = !on;
      }
    });
    rows().forEach(function (row) {
      row.hidden = !visible(byNumber[row.dataset.n], shown, code);
    });
    var out = doc.getElementById("shown");
    if (out) {
      out.textContent = count + " of " + data.messages.length + " messages shown";
    }
  }

  var sortKey = null;
  var sortDirection = 1;

  function sortBy(th) {
    var key = th.dataset.key;
    var numeric = key === "n" || key === "error" || key === "warning" || key === "info";
    if (sortKey === key) {
      sortDirection = -sortDirection;
    } else {
      sortKey = key;
      sortDirection = numeric && key !== "n" ? -1 : 1;
    }
    var list = rows();
    list.sort(function (a, b) {
      var x = byNumber[a.dataset.n][key];
      var y = byNumber[b.dataset.n][key];
      var order = numeric ? x - y : String(x).localeCompare(String(y));
      return order * sortDirection || a.dataset.n - b.dataset.n;
    });
    var body = table.tBodies[0];
    list.forEach(function (row) {
      body.appendChild(row);
    });
    table.querySelectorAll("th[data-key]").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", sortDirection > 0 ? "ascending" : "descending");
  }

  if (table) {
    table.querySelectorAll("th[data-key]").forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () {
        sortBy(th);
      });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(th);
        }
      });
    });
  }
  doc.addEventListener("change", function (event) {
    if (event.target.classList.contains("fi")) {
      apply();
    }
  });
  apply();
})();
