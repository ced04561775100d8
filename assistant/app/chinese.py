"""Gradio's own words on the page, in Chinese: what its Chinese translation misses.

The page is served in Gradio's ``zh-CN`` locale (:mod:`assistant.app.server`);
:data:`TRANSLATIONS` fills the keys that locale lacks, and :data:`LABELS_JS` (run on
page load) turns the labels Gradio writes in English only — ``aria-label``,
``title`` and ``alt`` of its buttons, and a chat message's label, which holds the
message's raw HTML — into plain Chinese text for screen readers and tooltips.
"""

from __future__ import annotations

import json

TRANSLATIONS = {"zh-CN": {"common.complete": "完成"}}

LABELS = {
    "chatbot conversation": "对话记录",
    "Copy message": "复制这条消息",
    "Copy conversation": "复制整个对话",
    "Clear": "清除",
    "Dataframe": "表格",
    "Table actions": "表格操作",
    "Copy table data": "复制表格",
    "Fullscreen": "全屏",
    "Exit fullscreen mode": "退出全屏",
    "Open cell menu": "打开单元格菜单",
    "Select column": "选择列",
    "Select row": "选择行",
    "File upload": "上传文件",
    "Click to upload or drop files": "点击上传或拖入文件",
    "More tabs": "更多标签页",
    "Stop Recording": "停止录音",
    "Gradio footer navigation": "页脚导航",
    "logo": "标志",
}
MESSAGE_LABELS = {"user's message: ": "您的问题：", "bot's message: ": "助手的回答："}

_JS = """
() => {
  const labels = LABELS;
  const messages = MESSAGE_LABELS;
  const attributes = ["aria-label", "title", "alt"];
  const plain = (html) => new DOMParser().parseFromString(html, "text/html").body
    .textContent.replace(/\\s+/g, " ").trim();
  const translated = (value) => {
    if (value in labels) return labels[value];
    for (const [english, chinese] of Object.entries(messages)) {
      if (value.startsWith(english)) return chinese + plain(value.slice(english.length));
    }
    return null;
  };
  const fix = (element) => {
    for (const name of attributes) {
      const value = element.getAttribute(name);
      const chinese = value === null ? null : translated(value);
      if (chinese !== null) element.setAttribute(name, chinese);
    }
  };
  const selector = attributes.map((name) => `[${name}]`).join(",");
  const fixAll = (root) => {
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fix(root);
    root.querySelectorAll(selector).forEach(fix);
  };
  fixAll(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes") fix(change.target);
      else change.addedNodes.forEach(fixAll);
    }
  }).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: attributes,
  });
}
"""
LABELS_JS = _JS.replace("MESSAGE_LABELS", json.dumps(MESSAGE_LABELS, ensure_ascii=False)).replace(
    "LABELS", json.dumps(LABELS, ensure_ascii=False)
)
