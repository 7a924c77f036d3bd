/* frame.js - living inside an LMS iframe. Platforms that listen (Canvas, and others
 * following the same LTI postMessage convention) grow the iframe to the page's height
 * ("lti.frameResize") and scroll their page to the top of the tool after a page change
 * ("lti.scrollToTop"), so the learner never has a scrollbar inside a scrollbar. Only
 * heights are sent, nothing about the learner. */

export const inFrame = (() => {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
})();

function send(msg) {
  if (!inFrame) return;
  try {
    window.parent.postMessage(msg, '*');
  } catch {
    /* the platform is not listening: nothing to do */
  }
}

let lastHeight = 0;
export function watchHeight() {
  if (!inFrame || typeof ResizeObserver === 'undefined') return;
  const ro = new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (Math.abs(height - lastHeight) < 4) return;
    lastHeight = height;
    send({ subject: 'lti.frameResize', height });
  });
  ro.observe(document.body);
}

export function scrollToTop() {
  send({ subject: 'lti.scrollToTop' });
}
