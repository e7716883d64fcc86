import { View } from './router.js';
import { baselineView, baselinesView } from './views/baselines.js';
import { branchesView, newOverlayView } from './views/branches.js';
import { costView } from './views/cost.js';
import { createView } from './views/create.js';
import { environmentView } from './views/environment.js';
import { environmentsView } from './views/environments.js';

// Every view of the console, in the order of the navigation bar. Views of
// features still to land (diffs side by side; shadow controls, whose place
// is views/shadow.ts) each add a row here.
export const views: View[] = [environmentsView, createView, environmentView, branchesView, newOverlayView, baselinesView, baselineView, costView];
