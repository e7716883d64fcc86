import { baselineView, baselinesView } from './views/baselines.js';
import { createView } from './views/create.js';
import { environmentView } from './views/environment.js';
import { environmentsView } from './views/environments.js';
export const views = [environmentsView, createView, environmentView, baselinesView, baselineView];
