import { type EdgeKind, type SipEdge, startSipEdge } from '../sip/edge.js';
import { type EdgeAddress, regionSubnet } from './drill-config.js';

export interface RegionEdge {
  readonly region: string;
  readonly name: string;
  readonly edge: SipEdge;
}

/** Two SIP edges per active region, on the region's own loopback subnet: edge a over UDP, edge b over TCP. */
export async function startEdges(
  regions: readonly string[],
  kind: EdgeKind,
  onProcess?: (pid: number) => void,
): Promise<{ all: RegionEdge[]; addresses: EdgeAddress[] }> {
  const all: RegionEdge[] = [];
  const addresses: EdgeAddress[] = [];
  try {
    for (const [i, region] of regions.entries()) {
      for (const [j, letter] of ['a', 'b'].entries()) {
        const edge = await startSipEdge({ kind, host: `${regionSubnet(i)}.${j + 1}`, initialReply: 200 });
        if (edge.pid !== undefined) onProcess?.(edge.pid);
        const name = `${region}-edge-${letter}`;
        all.push({ region, name, edge });
        addresses.push({
          region,
          name,
          host: edge.host,
          port: edge.port,
          transport: j === 0 ? 'udp' : 'tcp',
        });
      }
    }
  } catch (e) {
    await Promise.all(all.map((x) => x.edge.stop().catch(() => undefined)));
    throw e;
  }
  return { all, addresses };
}
