/* Flask-Admin's widgets under the portal's Content-Security-Policy (script-src 'self',
   no eval) and in the page's language.

   * x-editable (inline edit in lists) reads every data-* option with new Function(),
     which the CSP refuses, so the options of a drop-down never loaded. Flask-Admin
     writes those options as JSON (json.dumps), and JSON.parse reads them alike.
     A save the server refuses shows its short message under the field.
   * The date picker (daterangepicker + moment) parsed the field on every key-up:
     typing digit by digit rewrote the field as it went, and a wrong date became
     "Invalid date". Here a typed value is read strictly, the field keeps exactly what
     was typed, and a wrong date gets a message in the page's language (the server
     refuses it too). Calendar texts follow the page's language; weeks start on Monday.
   * List filters show and take dates as dd/mm/yyyy like the forms (the server
     reads both that and ISO).

   Flask-Admin loads x-editable, the date picker and its form.js after this file;
   form.js announces itself with "adminFormReady" before it styles the page, which
   is when both plug-ins exist and none of their widgets does yet. */
(function ($) {
  "use strict";
  if (!$) {
    return;
  }

  var meta = document.querySelector('meta[name="portal-language"]');
  var LANG = meta && meta.content === "en" ? "en" : "vi";
  document.documentElement.setAttribute("lang", LANG);

  var TEXTS = {
    vi: {
      date: "Ngày không hợp lệ (định dạng {format}).",
      datetime: "Thời điểm không hợp lệ (định dạng {format}).",
      range: "Khoảng ngày không hợp lệ (định dạng {format} to {format}, ngày đầu không sau ngày cuối).",
      locale: {
        applyLabel: "Chọn", cancelLabel: "Hủy", fromLabel: "Từ", toLabel: "Đến", weekLabel: "Tu",
        customRangeLabel: "Tùy chọn", firstDay: 1,
        daysOfWeek: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        monthNames: ["Th1", "Th2", "Th3", "Th4", "Th5", "Th6", "Th7", "Th8", "Th9", "Th10", "Th11", "Th12"]
      }
    },
    en: {
      date: "Invalid date (type it as {format}).",
      datetime: "Invalid date and time (type it as {format}).",
      range: "Invalid date range (type it as {format} to {format}, the first day not after the last).",
      locale: {
        applyLabel: "Apply", cancelLabel: "Cancel", fromLabel: "From", toLabel: "To", weekLabel: "W",
        customRangeLabel: "Custom range", firstDay: 1,
        daysOfWeek: ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"],
        monthNames: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
      }
    }
  };
  var TEXT = TEXTS[LANG];
  /* Flask-Admin's list filters use ISO formats; the portal shows dates as in its forms. */
  var LOCAL_FORMATS = {"YYYY-MM-DD": "DD/MM/YYYY", "YYYY-MM-DD HH:mm:ss": "DD/MM/YYYY HH:mm"};
  var ERROR_ATTR = "data-date-error";

  /* ---------------------------------------------------------------- x-editable */
  function parseJson(value, safe) {
    // Same contract as x-editable's own tryParseJson: a string that looks like an
    // object or array is parsed; with ``safe`` a failure gives the string back.
    if (typeof value === "string" && value.length && /^[\{\[].*[\}\]]$/.test(value)) {
      try {
        return JSON.parse(value);
      } catch (error) {
        if (!safe) {
          throw error;
        }
      }
    }
    return value;
  }

  /* ---------------------------------------------------------------- date picker */
  function shown(format) {
    return format.toLowerCase();
  }

  /* The typed value read strictly, with or without leading zeros; null when wrong. */
  function strictMoment(text, format) {
    var loose = format.replace("DD", "D").replace("MM", "M").replace("HH", "H");
    var value = moment(text, [format, loose], true);
    return value.isValid() ? value : null;
  }

  /* [start, end] of what the field holds, or null when it is not a valid value. */
  function readField(picker, text) {
    var parts = picker.singleDatePicker ? [text] : text.split(picker.separator);
    if (!picker.singleDatePicker && parts.length !== 2) {
      return null;
    }
    var start = strictMoment($.trim(parts[0]), picker.format);
    var end = strictMoment($.trim(parts[parts.length - 1]), picker.format);
    if (!start || !end || end.isBefore(start)) {
      return null;
    }
    if (!picker.timePicker) {
      start = start.startOf("day");
      end = end.endOf("day");
    }
    return [start, end];
  }

  function message(picker) {
    var kind = !picker.singleDatePicker ? "range" : (picker.timePicker ? "datetime" : "date");
    return TEXT[kind].replace(/\{format\}/g, shown(picker.format));
  }

  function showError($el, text) {
    var $error = $el.siblings("[" + ERROR_ATTR + "]");
    if (!$error.length) {
      $error = $('<div class="invalid-feedback d-block" role="alert"></div>').attr(ERROR_ATTR, "");
      $el.after($error);
    }
    $error.text(text);
    $el.addClass("is-invalid").attr("aria-invalid", "true");
  }

  function clearError($el) {
    var $error = $el.siblings("[" + ERROR_ATTR + "]");
    if ($error.length) {
      $error.remove();
      $el.removeClass("is-invalid").removeAttr("aria-invalid");
    }
  }

  /* Keep the calendar in step with what is typed, without touching the field. */
  function follow(picker, $el, insist) {
    var text = $.trim($el.val());
    if (!text) {
      clearError($el);
      return;
    }
    var dates = readField(picker, text);
    if (dates) {
      clearError($el);
      picker.startDate = dates[0];
      picker.endDate = dates[1];
      picker.updateView();
      picker.updateCalendars();
    } else if (insist || $el.siblings("[" + ERROR_ATTR + "]").length) {
      showError($el, message(picker));
    }
  }

  function guard($el) {
    var picker = $el.data("daterangepicker");
    if (!picker || !$el.is("input")) {
      return;
    }
    // A value the picker could not read (e.g. sent back by the server with its
    // error) must not leave the calendar on "Invalid date".
    if (!picker.startDate.isValid() || !picker.endDate.isValid()) {
      picker.startDate = moment().startOf("day");
      picker.endDate = picker.timePicker ? picker.startDate.clone() : moment().endOf("day");
      picker.oldStartDate = picker.startDate.clone();
      picker.oldEndDate = picker.endDate.clone();
      // The months shown were built from the unreadable value too.
      picker.leftCalendar.month = picker.startDate.clone().startOf("month");
      picker.rightCalendar.month = picker.endDate.clone().startOf("month");
      picker.updateView();
      picker.updateCalendars();
    }
    $el.off("keyup.daterangepicker")
      .on("keyup.daterangepicker input.portal", function () { follow(picker, $el, false); })
      .on("change.portal blur.portal", function () { follow(picker, $el, true); });
  }

  function localisedDatePicker(original) {
    var wrapped = function (options, callback) {
      var settings = $.extend({}, options);
      if (LOCAL_FORMATS[settings.format]) {
        settings.format = LOCAL_FORMATS[settings.format];
        this.attr("data-date-format", settings.format);
      }
      settings.locale = $.extend({}, TEXT.locale, settings.locale || {});
      // daterangepicker rotates this array in place for the first day of the week.
      settings.locale.daysOfWeek = TEXT.locale.daysOfWeek.slice();
      var result = original.call(this, settings, callback);
      this.each(function () { guard($(this)); });
      return result;
    };
    wrapped.portal = true;
    return wrapped;
  }

  /* A refused inline save: x-editable shows the server's message under the field and
     reopens the drop-down over it; close the drop-down so the message can be read. */
  $(document).ajaxError(function (event, xhr, settings) {
    if (settings && settings.url && settings.url.indexOf("/ajax/update/") !== -1) {
      window.setTimeout(function () {
        $(".editable-container input[type=hidden]").filter(function () {
          return $(this).data("select2");
        }).select2("close");
      }, 50);
    }
  });

  $(document).on("adminFormReady", function () {
    if ($.fn.editableutils) {
      $.fn.editableutils.tryParseJson = parseJson;
    }
    if ($.fn.daterangepicker && !$.fn.daterangepicker.portal) {
      $.fn.daterangepicker = localisedDatePicker($.fn.daterangepicker);
    }
  });
})(window.jQuery);
