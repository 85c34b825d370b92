// config/oncall.yaml as built into the console (console/vite.config.mts defines __ONCALL_CONFIG__).
import type { OncallConfig } from '../../../functions/src/domain/oncall';

export const ONCALL: OncallConfig = __ONCALL_CONFIG__;
