/* 不可撤销的操作在提交前请用户确认：按钮（或其表单）带 data-confirm 时，弹出确认框，取消则不提交。
   另带 data-confirm-field（一个输入框的选择器）和 data-confirm-empty 时，该输入框为空则改用
   data-confirm-empty 的文字（如抽取时没有填写监督人）。没有脚本的浏览器照常提交，服务器端的
   校验不变。 */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter || form.querySelector("[data-confirm]");
  var source = button && button.dataset.confirm ? button : form;
  var text = source.dataset.confirm;
  if (!text) return;
  var watched = source.dataset.confirmField && form.querySelector(source.dataset.confirmField);
  if (watched && !watched.value.trim() && source.dataset.confirmEmpty) {
    text = source.dataset.confirmEmpty;
  }
  if (!window.confirm(text)) event.preventDefault();
});
