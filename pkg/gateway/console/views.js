import { baselineView, baselinesView } from './views/baselines.js';
import { branchesView, newOverlayView } from './views/branches.js';
import { costView } from './views/cost.js';
import { createView } from './views/create.js';
import { diffsView } from './views/diffs.js';
import { environmentView } from './views/environment.js';
import { environmentsView } from './views/environments.js';
export const views = [environmentsView, createView, environmentView, diffsView, branchesView, newOverlayView, baselinesView, baselineView, costView];
