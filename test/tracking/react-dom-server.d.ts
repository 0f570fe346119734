/**
 * The one function of react-dom/server the specs use (react-dom comes with
 * JupyterLab; its types are not installed).
 */
declare module 'react-dom/server' {
  import type { ReactElement } from 'react';

  export function renderToStaticMarkup(element: ReactElement): string;
}
