import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';
import helmet, { meta as helmetMeta } from 'meshy:prompt?text=a weathered viking helmet&target_polycount=15000';
import chest, { meta as chestMeta } from 'meshy:prompt?text=a wooden treasure chest with iron bands&enable_pbr';
import pine, { meta as pineMeta } from 'meshy:prompt?text=a stylized pine tree&textured=false';

const models = [
  { url: helmet, meta: helmetMeta },
  { url: chest, meta: chestMeta },
  { url: pine, meta: pineMeta },
];

const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(Math.min(devicePixelRatio, 2));
renderer.setSize(innerWidth, innerHeight);
document.body.appendChild(renderer.domElement);

const scene = new THREE.Scene();
scene.background = new THREE.Color(0x15171c);
scene.add(new THREE.HemisphereLight(0xffffff, 0x303040, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 2.2);
sun.position.set(3, 5, 4);
scene.add(sun);

const camera = new THREE.PerspectiveCamera(45, innerWidth / innerHeight, 0.01, 100);
camera.position.set(0, 1.2, 4.2);
const controls = new OrbitControls(camera, renderer.domElement);
controls.target.set(0, 0.3, 0);
controls.update();

const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder);
const list = document.querySelector('#models')!;
const loaded: { url: string; triangles: number }[] = [];

/** Read by browser tests: which models are in the scene. */
(window as unknown as { __meshyPlayground: unknown }).__meshyPlayground = { models, loaded, scene };

models.forEach(async ({ url, meta }, index) => {
  const item = document.createElement('li');
  item.innerHTML = `<code>${meta.prompt}</code>: ${meta.triangles.toLocaleString()} triangles, ${(meta.bytes / 1024).toFixed(0)} KiB`;
  list.appendChild(item);
  const gltf = await loader.loadAsync(url);
  const model = gltf.scene;
  // Fit each model into a 1-unit box, side by side.
  const box = new THREE.Box3().setFromObject(model);
  const size = box.getSize(new THREE.Vector3());
  const scale = 1 / Math.max(size.x, size.y, size.z);
  model.scale.setScalar(scale);
  const center = box.getCenter(new THREE.Vector3()).multiplyScalar(scale);
  model.position.set((index - 1) * 1.4 - center.x, 0.5 - center.y, -center.z);
  scene.add(model);
  loaded.push({ url, triangles: meta.triangles });
});

addEventListener('resize', () => {
  camera.aspect = innerWidth / innerHeight;
  camera.updateProjectionMatrix();
  renderer.setSize(innerWidth, innerHeight);
});

renderer.setAnimationLoop((time) => {
  scene.children.forEach((child) => {
    if (child.type === 'Group' || child.type === 'Object3D') child.rotation.y = time / 4000;
  });
  renderer.render(scene, camera);
});
