import { createRunTempDir } from "./run-temp-dir";

export default (): void => void createRunTempDir();
