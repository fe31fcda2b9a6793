// Attendance taps without reloading the page: the server answers the row's new HTML. Without
// this script each form posts and the server redirects back to the row: the same result.
(function () {
  var status = document.getElementById("roster-status");
  function bind(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      // getAttribute: form.action would be the form's own <input name="action">, not its address.
      fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          status.textContent = data.message;
          if (!data.ok) { button.disabled = false; window.alert(data.message); return; }
          var row = form.closest("li");
          row.insertAdjacentHTML("afterend", data.html);
          var fresh = row.nextElementSibling;
          row.remove();
          fresh.querySelectorAll("form.attendance-form").forEach(bind);
          var again = fresh.querySelector("button");
          if (again) { again.focus(); }
        })
        .catch(function () { form.submit(); });
    });
  }
  document.querySelectorAll("form.attendance-form").forEach(bind);
})();
