// Small enhancements of the Hookbox console; every page works without them.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy") ?? "");
  if (!source) return;
  navigator.clipboard?.writeText(source.textContent ?? "").then(() => {
    button.textContent = "Copied";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  });
});
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-check-all")) return;
  for (const other of document.querySelectorAll(`input[name="${box.getAttribute("data-check-all")}"]`)) {
    if (other instanceof HTMLInputElement) other.checked = box.checked;
  }
});
// htmx sends the session's CSRF token with its own requests.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content");
  if (token) event.detail.headers["X-CSRF-Token"] = token;
});
