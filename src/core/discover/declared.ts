/** The declared component paths, indexed for the two questions discovery asks. */
export interface DeclaredIndex {
  paths: ReadonlySet<string>;
  /** Every folder that holds a declared path, at any depth ("a/b/c.bin" -> "a", "a/b"). */
  foldersHoldingDeclared: ReadonlySet<string>;
  /** Declared paths directly in the repository root. */
  hasRootFile: boolean;
}

export function indexDeclared(declared: ReadonlySet<string>): DeclaredIndex {
  const folders = new Set<string>();
  let hasRootFile = false;
  for (const path of declared) {
    const parts = path.split("/");
    if (parts.length === 1) hasRootFile = true;
    for (let depth = 1; depth < parts.length; depth++) folders.add(parts.slice(0, depth).join("/"));
  }
  return { paths: declared, foldersHoldingDeclared: folders, hasRootFile };
}

/** A file is declared when a component names it, or names a folder that holds it. */
export function isDeclared(index: DeclaredIndex, path: string): boolean {
  if (index.paths.has(path)) return true;
  for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
    if (index.paths.has(path.slice(0, cut))) return true;
  }
  return false;
}

/**
 * A model folder (MLflow model, model card's folder, DVC output folder) is declared when a component
 * lies inside it; for the repository root ("."), only a component directly in the root counts, or every
 * root model card would be "declared" by any manifest anywhere.
 */
export function isFolderDeclared(index: DeclaredIndex, folder: string): boolean {
  if (folder === "." || folder === "") return index.hasRootFile;
  return isDeclared(index, folder) || index.foldersHoldingDeclared.has(folder);
}
