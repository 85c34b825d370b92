/// <reference types="vite/client" />

/** config/status.yaml as it was at build time (console/vite.config.mts): the page's components before anything is published. */
declare const __STATUS_CONFIG__: { title: string; components: { id: string; name: string; description: string | null }[] };
