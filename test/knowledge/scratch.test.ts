import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { ingest, loadIndex } from '../../src/knowledge/ingest.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';

it('scratch', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-assist-'));
  const kd = path.join(dir, 'k'); fs.mkdirSync(kd);
  fs.cpSync('knowledge', kd, { recursive: true });
  fs.writeFileSync(path.join(kd, 'dup.md'), '---\ntitle: 重复标题测试\n---\n## 注意事项\n斑马线收银台只在周三开放。\n## 注意事项\n长颈鹿打印机需要每月保养。\n');
  const idx = path.join(dir, 'data', 'index');
  const r1 = await ingest({ knowledgeDir: kd, indexDir: idx });
  const r2 = await ingest({ knowledgeDir: kd, indexDir: idx });
  console.log(JSON.stringify(r1), JSON.stringify(r2));
  const kb = await KnowledgeBase.open({ knowledgeDir: kd, indexDir: idx, minConfidence: 0.35, maxSources: 2 });
  for (const q of ['斑马线收银台什么时候开放', '长颈鹿打印机多久保养']) {
    const a = await kb.ask(q);
    console.log(q, a.answered, a.confidence, JSON.stringify(a.passages), JSON.stringify(a.sources));
  }
  fs.writeFileSync(path.join(idx, 'vectors', 'hnswlib.index'), Buffer.from('garbage garbage garbage'));
  try { await loadIndex(kd, idx); console.log('loaded?!'); } catch (e) { console.log('ERR', (e as any).code, String(e)); }
  try { const r3 = await ingest({ knowledgeDir: kd, indexDir: idx }); console.log(JSON.stringify(r3)); } catch (e) { console.log('ERR', (e as any).code, String(e)); }
  fs.writeFileSync(path.join(idx, 'manifest.json'), '{not json');
  try { await loadIndex(kd, idx); console.log('loaded?!'); } catch (e) { console.log('ERR', (e as any).code, String(e)); }
  fs.rmSync(dir, { recursive: true, force: true });
}, 120000);
