// One Lambda execution environment: loads a function bundle with the environment the template gives it
// and runs one invocation at a time, as the Node.js runtime does. Plain JavaScript: it runs in a worker
// thread without a TypeScript loader. See runtime.ts for the side that starts it.
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

// A skewed clock for this environment only (the drill's clock-skew fault): Date.now() and new Date().
let skewMs = Number(workerData.skewMs ?? 0);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(realNow() + skewMs);
    else super(...args);
  }
  static now() {
    return realNow() + skewMs;
  }
}
globalThis.Date = SkewedDate;

const failure = (error) => ({
  errorType: error instanceof Error ? error.name : 'Error',
  errorMessage: error instanceof Error ? error.message : String(error),
});

let handler;
try {
  const module = await import(pathToFileURL(workerData.file).href);
  handler = module[workerData.exportName];
  if (typeof handler !== 'function')
    throw new TypeError(`${workerData.exportName} is not a function exported by the bundle`);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', ...failure(error) });
}

parentPort.on('message', async (message) => {
  if (message.type === 'skew') {
    skewMs = Number(message.skewMs);
    return;
  }
  if (message.type !== 'invoke' || handler === undefined) return;
  const { event, deadline, requestId } = message;
  const context = {
    awsRequestId: requestId,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: `local/${workerData.functionName}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
  };
  try {
    const value = await handler(event, context);
    // Lambda serializes the result as JSON: do the same (undefined becomes null).
    parentPort.postMessage({ type: 'result', ok: true, value: JSON.parse(JSON.stringify(value ?? null)) });
  } catch (error) {
    parentPort.postMessage({ type: 'result', ok: false, ...failure(error) });
  }
});
