// Embedded at build time rather than read from beside dist/ at run time: the printed helper then
// always matches the awsdir that prints it, and it keeps working when the CLI bundle is copied or
// packaged on its own, without the package directory around it.
import helper from '../../direnv/awsdir.sh' with { type: 'text' };

/** The text of direnv/awsdir.sh, which defines `use_aws` for direnv. */
export const direnvHelper: string = helper;
