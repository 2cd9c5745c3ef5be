// allybot sandbox: confirm dialogs, selects that act when changed, and a quiet refresh
// when the app sends something new. Everything else is plain HTML forms.
"use strict";

(function () {
  const dialog = document.getElementById("confirm");

  function askConfirm(source, proceed) {
    if (!dialog || !source.dataset.confirmTitle) { proceed(); return; }
    const set = (name, text) => { dialog.querySelector(`[data-confirm="${name}"]`).textContent = text; };
    set("title", source.dataset.confirmTitle);
    set("text", source.dataset.confirmText || "");
    set("yes", source.dataset.confirmYes || "Yes");
    set("no", source.dataset.confirmNo || "Cancel");
    const yes = dialog.querySelector('[data-confirm="yes"]');
    yes.classList.toggle("danger", source.dataset.confirmStyle === "danger");
    dialog.returnValue = "";
    dialog.addEventListener("close", function once() {
      dialog.removeEventListener("close", once);
      if (dialog.returnValue === "yes") proceed();
    });
    dialog.showModal();
  }

  // Buttons with a confirm object ask first, like Slack's confirmation dialog.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const form = event.target;
    if (!button || !button.dataset.confirmTitle || form.dataset.confirmed === "1") return;
    event.preventDefault();
    askConfirm(button, () => { form.dataset.confirmed = "1"; form.requestSubmit(button); });
  });

  // Selects, date and time pickers, checkboxes outside modals act as soon as they change.
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches("[data-autosubmit]")) {
      askConfirm(field, () => field.form.requestSubmit());
    } else if (field.matches("[data-dispatch]")) {
      const form = field.form;
      const target = document.createElement("input");
      target.type = "hidden"; target.name = "target"; target.value = field.dataset.dispatch;
      form.appendChild(target);
      form.action = form.action.replace(/\/submit$/, "/act");
      form.submit();
    }
  });

  const toggle = document.querySelector("[data-toggle]");
  if (toggle) {
    toggle.addEventListener("click", () => {
      const panel = document.getElementById(toggle.dataset.toggle);
      panel.hidden = !panel.hidden;
    });
  }

  const messages = document.getElementById("messages");
  if (messages) messages.scrollTop = messages.scrollHeight;

  // Reload when the app sent this person something, unless they are busy typing.
  const body = document.body;
  let version = body.dataset.version;
  async function poll() {
    try {
      const answer = await fetch(body.dataset.versionUrl, { cache: "no-store" });
      const data = await answer.json();
      const composer = document.querySelector(".composer-input");
      const busy = document.querySelector(".overlay") || (dialog && dialog.open) ||
        (composer && composer.value);
      if (String(data.v) !== version && !busy) {
        window.location.replace(body.dataset.refreshUrl);
        return;
      }
    } catch (error) { /* the sandbox is restarting; try again */ }
    window.setTimeout(poll, 1500);
  }
  if (body.dataset.versionUrl) window.setTimeout(poll, 1500);
})();
