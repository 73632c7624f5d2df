// npm run snapshots:update — regenerates every golden file; review the diff before committing it.
import { updateSnapshots } from "./snapshots.js";

await updateSnapshots();
