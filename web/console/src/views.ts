import { View } from './router.js';
import { baselineView, baselinesView } from './views/baselines.js';
import { branchesView, newOverlayView } from './views/branches.js';
import { costView } from './views/cost.js';
import { createView } from './views/create.js';
import { diffsView } from './views/diffs.js';
import { environmentView } from './views/environment.js';
import { environmentsView } from './views/environments.js';

// Every view of the console, in the order of the navigation bar. A view
// of a feature still to land adds a row here.
export const views: View[] = [environmentsView, createView, environmentView, diffsView, branchesView, newOverlayView, baselinesView, baselineView, costView];
