// Preloaded with `node -r` (through NODE_OPTIONS, which the built CLI passes on to what it starts,
// the awsdir server included) into awsdir and into AWS SDK programs: their wall clock runs ahead by
// the milliseconds written in $AWSDIR_TEST_CLOCK_FILE. A test moves it together with the emulator's
// clock (and the emulator's Date header, `skewSeconds`), so hours pass for every party at once:
// role sessions end, the SDK refreshes what it holds, and awsdir renews, without waiting.
'use strict';
const { readFileSync } = require('node:fs');

const file = process.env.AWSDIR_TEST_CLOCK_FILE;
if (file) {
  const RealDate = Date;
  const offset = () => {
    try {
      return Number(readFileSync(file, 'utf8')) || 0;
    } catch {
      return 0;
    }
  };
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset());
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset();
    }
  }
  globalThis.Date = ShiftedDate;
}
