// The service catalog (config/catalog.yaml, optional): what each service
// depends on. Generated drills (domain/drills/generate.ts) take a dependency
// story's dependency from here; without the file the status page's
// components (config/status.yaml) and past alert labels are used.
import { z } from 'zod';
import { closedObject } from './yamlConfig';

const serviceName = z.string({ error: 'a service name must be text' }).trim().min(1, 'a service name is empty').max(128, 'a service name is at most 128 characters');

export const catalogSchema = closedObject(
  {
    services: z
      .record(
        serviceName,
        closedObject(
          {
            dependsOn: z.array(serviceName, { error: 'dependsOn must be a list of service names' }).max(50, 'dependsOn lists at most 50 services').default([]),
            description: z.string({ error: 'description must be text' }).optional(),
          },
          'a catalog service',
          'a service needs dependsOn: [other services]',
        ),
        { error: 'services must be a map of service name to { dependsOn: [...] }' },
      )
      .default({}),
  },
  'the catalog',
  'the catalog has services: { <name>: { dependsOn: [...] } }',
);

export type Catalog = z.output<typeof catalogSchema>;
export const EMPTY_CATALOG: Catalog = { services: {} };

/** The services `service` depends on (any case), in file order, without itself. */
export function dependenciesOf(catalog: Catalog, service: string): string[] {
  const entry = Object.entries(catalog.services).find(([name]) => name.toLowerCase() === service.toLowerCase())?.[1];
  return (entry?.dependsOn ?? []).filter((d) => d.toLowerCase() !== service.toLowerCase());
}
