/** Output formats of `report` (declared in the CLI, rendered by render.ts). */
export const FORMATS = ['terminal', 'markdown', 'junit', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];
