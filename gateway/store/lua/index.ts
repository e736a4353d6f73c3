/** The store's Lua scripts; each file's comment names its KEYS, ARGV and return codes. */
import { createJob8 } from './create-job-8.js';
import { createNamed4 } from './create-named-4.js';
import { deleteJob10 } from './delete-job-10.js';
import { deleteNamed5 } from './delete-named-5.js';
import { putNodes4 } from './put-nodes-4.js';
import { putRecord3 } from './put-record-3.js';
import { setFields1 } from './set-fields-1.js';
import { setPlacement6 } from './set-placement-6.js';
import { updateObject3 } from './update-object-3.js';
import { updatePlacement6 } from './update-placement-6.js';

export { type LuaScript } from './script.js';

export const scripts = {
  createJob8,
  createNamed4,
  deleteJob10,
  deleteNamed5,
  putNodes4,
  putRecord3,
  setFields1,
  setPlacement6,
  updateObject3,
  updatePlacement6,
};
