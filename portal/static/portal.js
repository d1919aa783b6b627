/* Behaviour the portal's pages need without inline script (Content-Security-Policy:
   script-src 'self'): confirmation before a delete, and the bulk-action menu. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-action]");
    if (!item) {
      return;
    }
    event.preventDefault();
    if (window.modelActions) {
      window.modelActions.execute(item.getAttribute("data-action"));
    }
  });
})();

/* Inline child rows ("Thêm bước xử lý"): Flask-Admin's form.js does the work. */
document.addEventListener("click", function (event) {
  "use strict";
  var button = event.target.closest("[data-inline-add]");
  if (!button) {
    return;
  }
  event.preventDefault();
  if (window.faForm) {
    window.faForm.addInlineField(button, button.getAttribute("data-inline-add"));
  }
});

/* Flask-Admin's menus use href="javascript:void(0)", which the CSP refuses to run:
   stop the navigation, let the menu's own handlers do their work. */
document.addEventListener("click", function (event) {
  "use strict";
  var link = event.target.closest('a[href^="javascript:"]');
  if (link) {
    event.preventDefault();
  }
}, true);
