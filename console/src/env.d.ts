/// <reference types="vite/client" />

/** config/status.yaml as it was at build time (console/vite.config.mts): the page's components before anything is published. */
declare const __STATUS_CONFIG__: { title: string; components: { id: string; name: string; description: string | null }[] };

/** config/oncall.yaml as parsed at build time (console/vite.config.mts): schedules and escalation policies. */
declare const __ONCALL_CONFIG__: import('../../functions/src/domain/oncall').OncallConfig;
/** config/status.yaml's components with the services each covers (console only: the public page never gets service names). */
declare const __STATUS_COMPONENTS__: { id: string; name: string; services: string[] }[];
