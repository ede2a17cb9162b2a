// Defines both custom elements; import one of the two files alone to define only that one.
import './dist/herald-inbox.js';
import './dist/herald-preferences.js';
