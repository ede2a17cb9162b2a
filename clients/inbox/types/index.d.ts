// Importing '@herald/inbox' defines both <herald-inbox> and <herald-preferences>.
export * from './herald-inbox.js';
export * from './herald-preferences.js';
