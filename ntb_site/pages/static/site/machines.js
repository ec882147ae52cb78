/* The machine switcher of the project's pages (ntb_site/pages/machines.py): shows only the
   <section class="ntb-machine" data-machine="NAME"> of the machine picked in the
   .ntb-switcher radio buttons, and keeps the pick in the address (#machine=NAME) so that a
   link opens that machine. Without JavaScript every machine's section shows. */
(function () {
  "use strict";

  /** Show the section of machine `name`; false where the page has none. */
  function show(name) {
    const sections = [...document.querySelectorAll("section.ntb-machine")];
    if (!sections.some((s) => s.dataset.machine === name)) return false;
    sections.forEach((s) => { s.hidden = s.dataset.machine !== name; });
    document.querySelectorAll(".ntb-switcher input").forEach((input) => { input.checked = input.value === name; });
    return true;
  }

  function fromAddress() {
    const match = /(?:^#|&)machine=([^&]*)/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const switcher = document.querySelector(".ntb-switcher");
    if (!switcher) return;
    switcher.addEventListener("change", (event) => {
      if (show(event.target.value)) history.replaceState(null, "", "#machine=" + encodeURIComponent(event.target.value));
    });
    window.addEventListener("hashchange", () => show(fromAddress()));
    show(fromAddress()) || show(switcher.querySelector("input:checked").value);
  });
})();
