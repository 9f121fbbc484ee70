/* 有字数上限的输入框（textarea 或文字 input 带 maxlength）下方显示“已输入 N / 上限 M 字”，随输入
   更新。上限改由本脚本把关：去掉 maxlength（否则浏览器会把粘贴的长文悄悄截断），超出时写明超出
   多少字，并以表单校验提示阻止提交，由用户自行删减，文字从不被截断。字数按服务器的算法计：按字符
   计，换行按提交时的两个字符（CR LF）计。没有脚本的浏览器仍由 maxlength 限制，服务器端的校验不变。 */
(function () {
  "use strict";

  var SKIP = "[type=password], [type=hidden], [autocomplete=username], [autocomplete=one-time-code]";

  function length(value) {
    var n = 0;
    for (var ch of value) n += ch === "\n" ? 2 : 1;
    return n;
  }

  function attach(field, index) {
    var limit = parseInt(field.getAttribute("maxlength"), 10);
    if (!limit || field.matches(SKIP)) return;
    if (field.form && field.form.method === "get") return; // search boxes: nothing is kept
    field.removeAttribute("maxlength");
    field.dataset.limit = limit;
    var note = document.createElement("div");
    note.className = "help counter";
    note.id = (field.id || "field-" + index) + "-counter";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);

    function update() {
      var over = length(field.value) - limit;
      note.textContent =
        "已输入 " + length(field.value) + " / 上限 " + limit + " 字" +
        (over > 0 ? "，超出 " + over + " 字，请删减后再提交" : "");
      note.classList.toggle("over", over > 0);
      field.setCustomValidity(over > 0 ? "超出字数上限 " + over + " 字，请删减后再提交。" : "");
    }

    field.addEventListener("input", update);
    update();
  }

  function init() {
    document.querySelectorAll("textarea[maxlength], input[maxlength]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
