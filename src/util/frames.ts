/**
 * Resolve after the next frame has painted, or after 50 ms where frames do
 * not come (a background tab, node).
 */
export function nextFrame(): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, 50);
    if (typeof requestAnimationFrame === 'function') {
      requestAnimationFrame(() =>
        setTimeout(() => {
          clearTimeout(timer);
          resolve();
        }, 0)
      );
    }
  });
}
