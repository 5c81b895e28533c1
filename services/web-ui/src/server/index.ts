export { CONTENT_TYPES, findStaticFile, type StaticFile } from './static-files.js';
export { UI_ROOTS, type UiPluginOptions, uiPlugin } from './ui-plugin.js';
