import { removeRunTempDir } from "./run-temp-dir";

export default removeRunTempDir;
