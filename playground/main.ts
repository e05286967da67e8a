// A named model (playground/meshy.config.ts): generated, rigged, with an `idle` library clip and a `shamble` Text to Motion clip.
import hero, { meta as heroMeta } from 'meshy:hero';
// Image to 3D, from a concept image of the project (playground/concepts/toadstool.png).
import toadstool, { meta as toadstoolMeta } from 'meshy:image?src=./concepts/toadstool.png';
import pine, { meta as pineMeta } from 'meshy:prompt?text=a stylized pine tree&textured=false';
// Text to 3D.
import helmet, { meta as helmetMeta } from 'meshy:prompt?text=a weathered viking helmet&target_polycount=15000';
// PBR maps as KTX2 (Basis Universal): they stay compressed in video memory (docs/gpu-textures.md).
import chest, { meta as chestMeta } from 'meshy:prompt?text=a wooden treasure chest with iron bands&enable_pbr&texture_format=ktx2&max_texture_size=512';
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { KTX2Loader } from 'three/addons/loaders/KTX2Loader.js';
import { CSS2DObject, CSS2DRenderer } from 'three/addons/renderers/CSS2DRenderer.js';
import { type ModelUpdate, onModelUpdate } from 'vite-plugin-meshy/client';

const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(Math.min(devicePixelRatio, 2));
renderer.setSize(innerWidth, innerHeight);
document.body.appendChild(renderer.domElement);
// Labels under the models, in HTML.
const labels = new CSS2DRenderer();
labels.setSize(innerWidth, innerHeight);
labels.domElement.className = 'labels';
document.body.appendChild(labels.domElement);

const scene = new THREE.Scene();
scene.background = new THREE.Color(0x15171c);
scene.add(new THREE.HemisphereLight(0xffffff, 0x303040, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 2.2);
sun.position.set(3, 5, 4);
scene.add(sun);

const camera = new THREE.PerspectiveCamera(45, innerWidth / innerHeight, 0.01, 100);
camera.position.set(0, 1.4, 5.6);
const controls = new OrbitControls(camera, renderer.domElement);
controls.target.set(0, 0.4, 0);
controls.update();

// KTX2 textures are transcoded for this GPU by three's Basis Universal transcoder (served at /basis/ by vite.config.ts).
const ktx2Loader = new KTX2Loader().setTranscoderPath(`${import.meta.env.BASE_URL}basis/`).detectSupport(renderer);
const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder).setKTX2Loader(ktx2Loader);
const list = document.querySelector('#models')!;

/** One place in the scene per import; in dev its model is swapped in place as Meshy progresses. */
interface Slot {
  /** Short name, for the page's hook. */
  name: string;
  /** The import's kind, as written: shown next to the model. */
  kind: string;
  url: string;
  meta: ModelUpdate['meta'];
  /** The clips to play in turn, one loop each, looked up by the names the import gave them. */
  clips?: string[];
  group: THREE.Group;
  item: HTMLLIElement;
  /** Plays `clip` on the model shown; recreated at each swap (the placeholder and the preview have no clips). */
  mixer?: THREE.AnimationMixer;
  /** The clip playing now, and all of them. */
  action?: THREE.AnimationAction;
  actions?: THREE.AnimationAction[];
  /** What the scene shows now: 'pending' (placeholder box), 'preview' or 'ready'; 'loading' before the first. */
  shown: string;
  /** Every version shown, in order, and whether it was the placeholder box (browser tests read it). */
  history: { status: string; placeholder: boolean }[];
}

const imports: Pick<Slot, 'name' | 'kind' | 'url' | 'meta' | 'clips'>[] = [
  { name: 'helmet', kind: 'meshy:prompt', url: helmet, meta: helmetMeta },
  { name: 'chest', kind: 'meshy:prompt', url: chest, meta: chestMeta },
  { name: 'pine', kind: 'meshy:prompt', url: pine, meta: pineMeta },
  { name: 'toadstool', kind: 'meshy:image', url: toadstool, meta: toadstoolMeta },
  { name: 'hero', kind: 'meshy:hero', url: hero, meta: heroMeta, clips: ['shamble', 'idle'] },
];

const slots: Slot[] = imports.map((entry, index) => {
  const group = new THREE.Group();
  group.position.x = (index - (imports.length - 1) / 2) * 1.3;
  scene.add(group);
  const item = document.createElement('li');
  list.appendChild(item);
  const label = new CSS2DObject(Object.assign(document.createElement('div'), { className: 'label', textContent: entry.kind }));
  label.position.set(group.position.x, -0.12, 0);
  scene.add(label);
  return { ...entry, group, item, shown: 'loading', history: [] };
});

/** Read by the browser tests: what the scene shows, what plays, and an id that a page reload would change. */
(window as unknown as { __meshyPlayground: unknown }).__meshyPlayground = {
  pageId: Math.random().toString(36).slice(2),
  scene,
  models: () =>
    slots.map((slot) => ({
      name: slot.name,
      kind: slot.meta.kind,
      prompt: slot.meta.prompt,
      status: slot.meta.status,
      shown: slot.shown,
      url: slot.url,
      history: slot.history,
      animations: slot.meta.animations,
      textures: texturesOf(slot.group),
    })),
  /** The clips playing: model, clip name, the mixer's clock (it advances every frame) and a pose digest. */
  playing: () =>
    slots.flatMap(({ name, mixer, action, group }) =>
      mixer && action?.isRunning() ? [{ name, clip: action.getClip().name, time: mixer.time, clipTime: action.time, pose: poseDigest(group) }] : [],
    ),
};

async function show(slot: Slot): Promise<void> {
  const { url, meta } = slot;
  slot.item.innerHTML = `<span class="kind">${slot.kind}</span> ${describe(slot)}`;
  const gltf = await loader.loadAsync(url);
  if (slot.url !== url) return; // a newer version arrived while this one loaded
  const model = gltf.scene;
  // Fit each model into a 1-unit box, resting on its slot.
  const box = new THREE.Box3().setFromObject(model);
  const size = box.getSize(new THREE.Vector3());
  const scale = 1 / Math.max(size.x, size.y, size.z);
  model.scale.setScalar(scale);
  const center = box.getCenter(new THREE.Vector3()).multiplyScalar(scale);
  model.position.set(-center.x, 0.5 - center.y, -center.z);
  for (const old of slot.group.children.splice(0)) dispose(old);
  slot.group.add(model);
  // A new model needs a new mixer: the old one drives bones that are gone.
  slot.mixer?.stopAllAction();
  slot.mixer = slot.action = slot.actions = undefined;
  const clips = (slot.clips ?? []).flatMap((name) => THREE.AnimationClip.findByName(gltf.animations, name) ?? []);
  if (clips.length) {
    const mixer = new THREE.AnimationMixer(model);
    const actions = clips.map((clip) => mixer.clipAction(clip));
    Object.assign(slot, { mixer, actions, action: actions[0]!.play() });
    // One loop of each clip, then the next, cross-faded.
    mixer.addEventListener('loop', ({ action }) => {
      if (action !== slot.action || actions.length < 2) return;
      const next = actions[(actions.indexOf(action) + 1) % actions.length]!;
      action.crossFadeTo(next.reset().play(), 0.3, false);
      slot.action = next;
    });
  }
  slot.shown = meta.status;
  let placeholder = false;
  model.traverse((child) => (placeholder ||= child.userData.meshyPlaceholder === true));
  slot.history.push({ status: meta.status, placeholder });
}

function describe({ kind, meta, clips: played = [] }: Slot): string {
  const what = `<code>${meta.prompt || meta.label.replace(`${meta.kind} `, '')}</code>`;
  const named = kind === `meshy:${meta.kind}` ? '' : ` (named ${meta.kind} model${meta.rigged ? ', rigged' : ''})`;
  if (meta.status === 'pending') return `${what}${named} <em>generating…</em>`;
  const stats = `${meta.triangles.toLocaleString()} tris · ${(meta.bytes / 1024).toFixed(0)} KiB`;
  const clips = meta.animations.length ? ` · clips ${meta.animations.map((name) => (played.includes(name) ? `<b>▶ ${name}</b>` : name)).join(', ')}` : '';
  return `${what}${named} ${stats}${clips}${meta.status === 'preview' ? ' (preview)' : ''}`;
}

/** The textures a model's materials sample: their source format and whether the GPU holds them block-compressed. */
function texturesOf(root: THREE.Object3D): { mimeType: string; compressed: boolean; width: number }[] {
  const found = new Set<THREE.Texture>();
  root.traverse((child) => {
    if (!(child instanceof THREE.Mesh)) return;
    for (const material of [child.material].flat()) for (const value of Object.values(material)) if (value instanceof THREE.Texture) found.add(value);
  });
  return [...found].map((texture) => ({
    mimeType: String(texture.userData.mimeType ?? ''),
    compressed: (texture as THREE.CompressedTexture).isCompressedTexture === true,
    width: (texture.image as { width?: number } | undefined)?.width ?? 0,
  }));
}

/** The rotations of the skinned meshes' bones, rounded: changes while a clip plays. */
function poseDigest(root: THREE.Object3D): string {
  const parts: string[] = [];
  root.traverse((child) => {
    if (child instanceof THREE.SkinnedMesh)
      for (const bone of child.skeleton.bones.slice(0, 8))
        parts.push(
          bone.quaternion
            .toArray()
            .map((v) => v.toFixed(3))
            .join(','),
        );
  });
  return parts.join(';');
}

function dispose(object: THREE.Object3D): void {
  object.traverse((child) => {
    if (!(child instanceof THREE.Mesh)) return;
    child.geometry.dispose();
    for (const material of [child.material].flat()) material.dispose();
  });
}

for (const slot of slots) {
  void show(slot);
  // In dev: placeholder → preview → final model, swapped in place without reloading the page.
  onModelUpdate(slot.meta, ({ url, meta }) => {
    Object.assign(slot, { url, meta });
    void show(slot);
  });
}

addEventListener('resize', () => {
  camera.aspect = innerWidth / innerHeight;
  camera.updateProjectionMatrix();
  renderer.setSize(innerWidth, innerHeight);
  labels.setSize(innerWidth, innerHeight);
});

const timer = new THREE.Timer();
renderer.setAnimationLoop((time) => {
  timer.update(time);
  const delta = timer.getDelta();
  for (const slot of slots) {
    slot.group.rotation.y = time / 4000;
    slot.mixer?.update(delta);
  }
  renderer.render(scene, camera);
  labels.render(scene, camera);
});
