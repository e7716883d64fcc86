import { View } from './router.js';
import { baselineView, baselinesView } from './views/baselines.js';
import { createView } from './views/create.js';
import { environmentView } from './views/environment.js';
import { environmentsView } from './views/environments.js';

// Every view of the console, in the order of the navigation bar. The views
// of features still to land (the branches tree with shadow settings, diffs,
// cost, diagnose) each add a row here.
export const views: View[] = [environmentsView, createView, environmentView, baselinesView, baselineView];
