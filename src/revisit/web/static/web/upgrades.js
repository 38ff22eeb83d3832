// Upgrade approvals: the header box ticks every proposal on the page. Delegated, so it
// keeps working after htmx swaps the panel.
document.addEventListener("change", (event) => {
  if (event.target.id !== "select-all") return;
  for (const box of document.querySelectorAll("#upgrades input.pick")) {
    box.checked = event.target.checked;
  }
});
